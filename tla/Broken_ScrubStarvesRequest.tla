---------------------- MODULE Broken_ScrubStarvesRequest ----------------------
(***************************************************************************)
(* Grant without the FIFO reservation (the spec's Grant before it had      *)
(* FirstFitting): any request that fits may take the clean regions, even   *)
(* with strong fairness on Grant.  carol asks for 4 regions and fits (4 of *)
(* the 6 regions are free or dirty), but alice, who asks for 2, keeps      *)
(* coming and going: each time she gives her regions back they are dirty, *)
(* and by the time the VMM has scrubbed enough of them alice has taken 2   *)
(* clean ones again.  Every region is scrubbed eventually (Scrub is fair), *)
(* yet there are never 4 clean regions at once, so AnyGrant(carol) is      *)
(* never enabled and SF does not help.                                     *)
(* The checker must reject this model: RequestsGranted fails.  MC_Mixed    *)
(* is the same host under Spec, where it holds.                            *)
(***************************************************************************)
EXTENDS VMM, TLC

\* MC_Cloud's alice and carol, on the 6 regions that bob does not hold.
StarveDemand == [alice |-> [vcpus |-> 1, mem |-> 2],
                 carol |-> [vcpus |-> 1, mem |-> 4]]

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

\* Fairness, with SF of AnyGrant for SF of Grant.
BadFairness == /\ \A c \in CPUs : WF_vars(Preempt(c))
               /\ \A vc \in AllVCPUs : WF_vars(\E c \in CPUs : Dispatch(c, vc))
               /\ \A v \in VMs : SF_vars(AnyGrant(v))
               /\ \A r \in Regions : WF_vars(Scrub(r))

BadSpec == Init /\ [][BadNext]_vars /\ BadFairness
=============================================================================
