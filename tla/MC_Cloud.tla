------------------------------ MODULE MC_Cloud ------------------------------
(***************************************************************************)
(* The seed's cloud scenario: a host of 4 CPUs and 8 GiB (one region per  *)
(* GiB).  alice asks for 1 vCPU and 2 GiB, bob for 2 and 2, carol for 1   *)
(* and 4: together they fill the host.  dave asks for 1 and 1, which does *)
(* not fit while the other three hold their grants.                       *)
(***************************************************************************)
EXTENDS VMM, TLC

CloudDemand == [alice |-> [vcpus |-> 1, mem |-> 2],
                bob   |-> [vcpus |-> 2, mem |-> 2],
                carol |-> [vcpus |-> 1, mem |-> 4],
                dave  |-> [vcpus |-> 1, mem |-> 1]]

\* CPUs and regions are interchangeable.
Symmetry == Permutations(Regions) \cup Permutations(CPUs)

=============================================================================
