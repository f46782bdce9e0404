-------------------- MODULE Broken_DispatchKeepsPrivilege --------------------
(***************************************************************************)
(* Dispatch skips the privilege drop: the guest runs in M mode.            *)
(* The checker must reject this model: GuestDeprivileged fails.            *)
(***************************************************************************)
EXTENDS VMM, TLC

\* Three VMs of 1 vCPU and 1 region each: together they overcommit the
\* 2 CPUs of the host, so only two of them fit at a time.
BrokenDemand == [alice |-> [vcpus |-> 1, mem |-> 1],
                 bob   |-> [vcpus |-> 1, mem |-> 1],
                 carol |-> [vcpus |-> 1, mem |-> 1]]

\* Dispatch, less the drop to GuestMode.
BadDispatch(c, vc) == /\ run[c] = Host
                      /\ VMOf(vc) \in Admitted
                      /\ ~Running(vc)
                      /\ run' = [run EXCEPT ![c] = vc]
                      /\ prot' = [prot EXCEPT ![c] = mem[VMOf(vc)]]
                      /\ UNCHANGED <<status, mem, dirty, mode, queue>>

BadNext == \/ \E v \in VMs : Create(v) \/ Grant(v) \/ Release(v) \/ Destroy(v)
           \/ \E c \in CPUs : \/ \E vc \in GrantedVCPUs : BadDispatch(c, vc)
                              \/ GuestStep(c) \/ Trap(c) \/ Preempt(c)
           \/ \E r \in Regions : Scrub(r)

BadSpec == Init /\ [][BadNext]_vars

Symmetry == Permutations(Regions) \cup Permutations(CPUs)
=============================================================================
