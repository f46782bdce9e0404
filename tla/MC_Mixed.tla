------------------------------ MODULE MC_Mixed ------------------------------
(***************************************************************************)
(* VMs that ask for different amounts of memory: MC_Cloud's alice (1 vCPU, *)
(* 2 GiB) and carol (1 vCPU, 4 GiB) on 2 CPUs and the 6 regions that bob   *)
(* does not hold.  Without FIFO admission alice, coming and going, starves *)
(* carol (Broken_ScrubStarvesRequest); with it carol's request reserves    *)
(* the regions as they are scrubbed.  No symmetry, so the liveness verdict *)
(* is exact (MC_Cloud checks RequestsGranted under region symmetry).       *)
(***************************************************************************)
EXTENDS VMM, TLC

MixedDemand == [alice |-> [vcpus |-> 1, mem |-> 2],
                carol |-> [vcpus |-> 1, mem |-> 4]]
=============================================================================
