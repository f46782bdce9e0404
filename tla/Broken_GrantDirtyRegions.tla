---------------------- MODULE Broken_GrantDirtyRegions -----------------------
(***************************************************************************)
(* Grant hands out free regions that still hold a former owner's data.     *)
(* The checker must reject this model: ScrubBeforeReuse fails.             *)
(***************************************************************************)
EXTENDS VMM, TLC

\* Three VMs of 1 vCPU and 1 region each: together they overcommit the
\* 2 CPUs of the host, so only two of them fit at a time.
BrokenDemand == [alice |-> [vcpus |-> 1, mem |-> 1],
                 bob   |-> [vcpus |-> 1, mem |-> 1],
                 carol |-> [vcpus |-> 1, mem |-> 1]]

\* Grant, taking from FreeRegions instead of CleanRegions.
BadGrant(v) == /\ status[v] = "requested"
               /\ FirstFitting(v)
               /\ \E S \in SUBSET FreeRegions :
                     /\ Cardinality(S) = Demand[v].mem
                     /\ mem' = [mem EXCEPT ![v] = S]
               /\ status' = [status EXCEPT ![v] = "admitted"]
               /\ queue' = Dequeue(queue, v)
               /\ UNCHANGED <<dirty, run, mode, prot>>

BadNext == \/ \E v \in VMs : Create(v) \/ BadGrant(v) \/ Release(v) \/ Destroy(v)
           \/ \E c \in CPUs : \/ \E vc \in GrantedVCPUs : Dispatch(c, vc)
                              \/ GuestStep(c) \/ Trap(c) \/ Preempt(c)
           \/ \E r \in Regions : Scrub(r)

BadSpec == Init /\ [][BadNext]_vars

Symmetry == Permutations(Regions) \cup Permutations(CPUs)
=============================================================================
