-------------------------- MODULE Broken_WeakGrant ---------------------------
(***************************************************************************)
(* Grant is only weakly fair: a VM that keeps coming and going takes       *)
(* the clean regions each time and starves a request that fits.            *)
(* The checker must reject this model: RequestsGranted fails.              *)
(***************************************************************************)
EXTENDS VMM, TLC

\* Three VMs of 1 vCPU and 1 region each: together they overcommit the
\* 2 CPUs of the host, so only two of them fit at a time.
BrokenDemand == [alice |-> [vcpus |-> 1, mem |-> 1],
                 bob   |-> [vcpus |-> 1, mem |-> 1],
                 carol |-> [vcpus |-> 1, mem |-> 1]]

\* Fairness, with WF instead of SF for Grant.
BadFairness == /\ \A c \in CPUs : WF_vars(Preempt(c))
               /\ \A vc \in AllVCPUs : WF_vars(\E c \in CPUs : Dispatch(c, vc))
               /\ \A v \in VMs : WF_vars(Grant(v))
               /\ \A r \in Regions : WF_vars(Scrub(r))

BadSpec == Init /\ [][Next]_vars /\ BadFairness
=============================================================================
