--------------------------- MODULE Broken_NoTimer ----------------------------
(***************************************************************************)
(* The timer is not fair: Preempt may never fire, so a guest that never    *)
(* traps keeps its CPU forever.                                            *)
(* The checker must reject this model: VMMRegainsCPUs fails.               *)
(***************************************************************************)
EXTENDS VMM, TLC

\* Three VMs of 1 vCPU and 1 region each: together they overcommit the
\* 2 CPUs of the host, so only two of them fit at a time.
BrokenDemand == [alice |-> [vcpus |-> 1, mem |-> 1],
                 bob   |-> [vcpus |-> 1, mem |-> 1],
                 carol |-> [vcpus |-> 1, mem |-> 1]]

\* Fairness, less the timer.
BadFairness == /\ \A vc \in AllVCPUs : WF_vars(\E c \in CPUs : Dispatch(c, vc))
               /\ \A v \in VMs : SF_vars(Grant(v))
               /\ \A r \in Regions : WF_vars(Scrub(r))

BadSpec == Init /\ [][Next]_vars /\ BadFairness
=============================================================================
