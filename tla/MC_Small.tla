------------------------------ MODULE MC_Small ------------------------------
(***************************************************************************)
(* A small host for quick checks: 2 CPUs and 3 regions, and three VMs      *)
(* of 1 vCPU and 1 region each.  Here the CPUs run out first: any two VMs  *)
(* fit, the third does not until one of them releases, though a region     *)
(* is still free (in MC_Cloud memory runs out first).                      *)
(***************************************************************************)
EXTENDS VMM, TLC

SmallDemand == [alice |-> [vcpus |-> 1, mem |-> 1],
                bob   |-> [vcpus |-> 1, mem |-> 1],
                carol |-> [vcpus |-> 1, mem |-> 1]]

Symmetry == Permutations(Regions) \cup Permutations(CPUs)

=============================================================================
