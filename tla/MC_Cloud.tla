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

\* Regions are interchangeable: tla-checker reduces by this symmetry.
Symmetry == Permutations(Regions)

\* The same reduction for TLC, as a VIEW: the orbit of the state under
\* Permutations(Regions).  A region is known by its label (its owners,
\* whether it is dirty, the CPUs whose protection unit lets it through),
\* and the state up to renaming the regions is the rest of the state plus
\* how many regions carry each label.  TLC's SYMMETRY would apply all 8!
\* permutations to every state it generates (minutes); this is exact and
\* costs one pass over the regions.
RegionOrbit ==
    LET L == [r \in Regions |-> <<{v \in VMs : r \in mem[v]}, r \in dirty,
                                  {c \in CPUs : r \in prot[c]}>>]
    IN  <<status, queue, run, mode,
          [l \in {L[r] : r \in Regions} |-> Cardinality({r \in Regions : L[r] = l})]>>

=============================================================================
