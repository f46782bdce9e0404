------------------- MODULE Broken_DispatchSkipsProtection --------------------
(***************************************************************************)
(* Dispatch leaves the protection unit open to all of memory.              *)
(* The checker must reject this model: Confinement fails.                  *)
(***************************************************************************)
EXTENDS VMM, TLC

\* Three VMs of 1 vCPU and 1 region each: together they overcommit the
\* 2 CPUs of the host, so only two of them fit at a time.
BrokenDemand == [alice |-> [vcpus |-> 1, mem |-> 1],
                 bob   |-> [vcpus |-> 1, mem |-> 1],
                 carol |-> [vcpus |-> 1, mem |-> 1]]

\* Dispatch, with the protection unit left open (PMP off, no page tables).
BadDispatch(c, vc) == /\ run[c] = Host
                      /\ VMOf(vc) \in Admitted
                      /\ ~Running(vc)
                      /\ run' = [run EXCEPT ![c] = vc]
                      /\ mode' = [mode EXCEPT ![c] = GuestMode]
                      /\ prot' = [prot EXCEPT ![c] = Regions]
                      /\ UNCHANGED <<status, mem, dirty, queue>>

BadNext == \/ \E v \in VMs : Create(v) \/ Grant(v) \/ Release(v) \/ Destroy(v)
           \/ \E c \in CPUs : \/ \E vc \in GrantedVCPUs : BadDispatch(c, vc)
                              \/ GuestStep(c) \/ Trap(c) \/ Preempt(c)
           \/ \E r \in Regions : Scrub(r)

BadSpec == Init /\ [][BadNext]_vars

Symmetry == Permutations(Regions) \cup Permutations(CPUs)
=============================================================================
