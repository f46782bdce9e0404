-------------------------- MODULE Broken_WeakGrant ---------------------------
(***************************************************************************)
(* Grant without the FIFO reservation, and only weakly fair: any request   *)
(* that fits may be granted, so a VM that keeps coming and going takes     *)
(* the clean regions each time and starves a request that fits.            *)
(* The checker must reject this model: RequestsGranted fails.              *)
(* (Either fix alone suffices here, where every VM asks for one region:    *)
(* FIFO admission with WF (Spec's Grant with WF passes this host), or SF   *)
(* without FIFO; with mixed demands SF alone does not, see                 *)
(* Broken_ScrubStarvesRequest.)                                            *)
(***************************************************************************)
EXTENDS VMM, TLC

\* Three VMs of 1 vCPU and 1 region each: together they overcommit the
\* 2 CPUs of the host, so only two of them fit at a time.
BrokenDemand == [alice |-> [vcpus |-> 1, mem |-> 1],
                 bob   |-> [vcpus |-> 1, mem |-> 1],
                 carol |-> [vcpus |-> 1, mem |-> 1]]

\* Grant, less FirstFitting: it only asks whether v fits.
AnyGrant(v) == /\ status[v] = "requested"
               /\ Fits(v)
               /\ \E S \in SUBSET CleanRegions :
                     /\ Cardinality(S) = Demand[v].mem
                     /\ mem' = [mem EXCEPT ![v] = S]
               /\ status' = [status EXCEPT ![v] = "admitted"]
               /\ queue' = Dequeue(queue, v)
               /\ UNCHANGED <<dirty, run, mode, prot>>

BadNext == \/ \E v \in VMs : Create(v) \/ AnyGrant(v) \/ Release(v) \/ Destroy(v)
           \/ \E c \in CPUs : \/ \E vc \in GrantedVCPUs : Dispatch(c, vc)
                              \/ GuestStep(c) \/ Trap(c) \/ Preempt(c)
           \/ \E r \in Regions : Scrub(r)

\* Fairness, with WF of AnyGrant for SF of Grant.
BadFairness == /\ \A c \in CPUs : WF_vars(Preempt(c))
               /\ \A vc \in AllVCPUs : WF_vars(\E c \in CPUs : Dispatch(c, vc))
               /\ \A v \in VMs : WF_vars(AnyGrant(v))
               /\ \A r \in Regions : WF_vars(Scrub(r))

BadSpec == Init /\ [][BadNext]_vars /\ BadFairness
=============================================================================
