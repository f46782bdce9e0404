------------------------ MODULE Broken_DoubleDispatch ------------------------
(***************************************************************************)
(* Dispatch does not ask whether the vCPU already runs elsewhere.          *)
(* The checker must reject this model: ExclusiveCPU fails.                 *)
(***************************************************************************)
EXTENDS VMM, TLC

\* Three VMs of 1 vCPU and 1 region each: together they overcommit the
\* 2 CPUs of the host, so only two of them fit at a time.
BrokenDemand == [alice |-> [vcpus |-> 1, mem |-> 1],
                 bob   |-> [vcpus |-> 1, mem |-> 1],
                 carol |-> [vcpus |-> 1, mem |-> 1]]

\* Dispatch, less its ~Running(vc) test.
BadDispatch(c, vc) == /\ run[c] = Host
                      /\ VMOf(vc) \in Admitted
                      /\ run' = [run EXCEPT ![c] = vc]
                      /\ mode' = [mode EXCEPT ![c] = GuestMode]
                      /\ prot' = [prot EXCEPT ![c] = mem[VMOf(vc)]]
                      /\ UNCHANGED <<status, mem, dirty, queue>>

BadNext == \/ \E v \in VMs : Create(v) \/ Grant(v) \/ Release(v) \/ Destroy(v)
           \/ \E c \in CPUs : \/ \E vc \in GrantedVCPUs : BadDispatch(c, vc)
                              \/ GuestStep(c) \/ Trap(c) \/ Preempt(c)
           \/ \E r \in Regions : Scrub(r)

BadSpec == Init /\ [][BadNext]_vars

Symmetry == Permutations(Regions) \cup Permutations(CPUs)
=============================================================================
