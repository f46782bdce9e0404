------------------------------ MODULE MC_Small ------------------------------
(***************************************************************************)
(* A small host for quick checks: 2 CPUs and 3 regions.  alice asks for  *)
(* 1 vCPU and 1 region, bob for 1 and 2: together they fill the host.    *)
(***************************************************************************)
EXTENDS VMM, TLC

SmallDemand == [alice |-> [vcpus |-> 1, mem |-> 1],
                bob   |-> [vcpus |-> 1, mem |-> 2]]

Symmetry == Permutations(Regions) \cup Permutations(CPUs)

=============================================================================
