---------------------- MODULE Broken_ScrubStarvesRequest ----------------------
(***************************************************************************)
(* Not a variant: this is Spec itself, and a known gap in it.  carol asks  *)
(* for 4 regions and fits (4 of the 6 regions are free or dirty), but      *)
(* alice, who asks for 2, keeps coming and going: each time she gives her  *)
(* regions back they are dirty, and by the time the VMM has scrubbed       *)
(* enough of them alice has taken 2 clean ones again.  Every region is     *)
(* scrubbed eventually (Scrub is fair), yet there are never 4 clean        *)
(* regions at once, so Grant(carol) is never enabled and SF does not       *)
(* help.  The checker must reject this model: RequestsGranted fails.       *)
(* It holds in MC_Small only because every VM there asks for one region.  *)
(* Fix: the VMM keeps scrubbed regions for the oldest request that fits   *)
(* (FIFO admission, as README.md says) and the spec says so; then this    *)
(* model becomes MC_ and the checker must pass it.                        *)
(***************************************************************************)
EXTENDS VMM, TLC

\* MC_Cloud's alice and carol, on the 6 regions that bob does not hold.
StarveDemand == [alice |-> [vcpus |-> 1, mem |-> 2],
                 carol |-> [vcpus |-> 1, mem |-> 4]]
=============================================================================
