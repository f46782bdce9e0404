-------------------------------- MODULE VMM --------------------------------
(***************************************************************************)
(* Resource control of the vcheck VMM (Popek & Goldberg's second          *)
(* condition): the control program keeps every resource it hands out.    *)
(*                                                                         *)
(* A host has physical CPUs and memory regions (one region per GiB).      *)
(* VMs ask for vCPUs and regions (Create), the VMM admits a request only  *)
(* if it fits (Grant), puts vCPUs on CPUs in a deprivileged mode          *)
(* (Dispatch), the guest runs directly (GuestStep) until it executes a    *)
(* sensitive instruction (Trap) or the timer fires (Preempt), and both    *)
(* hand the CPU back to the VMM.  A VM gives its resources back           *)
(* (Release), its record goes away (Destroy), and the VMM scrubs a        *)
(* released region before anyone else gets it (Scrub).                    *)
(*                                                                         *)
(* The action names are the names used by refmodel/vmm, impl/vmm, their   *)
(* event traces (see README.md, "Trace format") and the Go tests.         *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, Sequences

CONSTANTS
    CPUs,     \* the physical CPUs (harts) of the host
    Regions,  \* the memory regions of the host, one per GiB
    VMs,      \* the names of the VMs that may ask for resources
    Demand,   \* Demand[v] = [vcpus |-> n, mem |-> m]: what VM v asks for
    Host      \* model value: run[c] = Host means CPU c runs the VMM itself

ASSUME
    /\ Host \notin VMs
    /\ \A v \in VMs : /\ Demand[v].vcpus \in Nat \ {0}
                      /\ Demand[v].mem \in Nat \ {0}

VARIABLES
    status,   \* status[v]: "absent", "requested", "admitted" or "released"
    mem,      \* mem[v]: the regions granted to VM v (its owner's view)
    dirty,    \* the regions that still hold the data of a VM that gave
              \* them back: the VMM must scrub them before it reuses them
    run,      \* run[c]: Host, or the vCPU <<v, i>> that CPU c runs
    mode,     \* mode[c]: the privilege mode of CPU c, "M", "S" or "U"
    prot,     \* prot[c]: the regions that CPU c's protection unit (PMP and
              \* page tables) lets the code it runs touch; the VMM itself
              \* runs in M mode, outside that protection, so it is {} then
    queue     \* the pending requests (the VMs whose status is "requested"),
              \* oldest first: the VMM's admission queue

vars == <<status, mem, dirty, run, mode, prot, queue>>

-----------------------------------------------------------------------------
(* Helpers. *)

Modes == {"M", "S", "U"}

\* The mode guests run in: always U, whatever mode the guest believes it
\* is in (ring compression).  Every sensitive instruction then traps.
GuestMode == "U"

\* The vCPUs of VM v are the pairs <<v, 1>> .. <<v, Demand[v].vcpus>>.
VCPUs(v) == {v} \X (1 .. Demand[v].vcpus)
AllVCPUs == UNION {VCPUs(v) : v \in VMs}
VMOf(vc) == vc[1]

Admitted == {v \in VMs : status[v] = "admitted"}
GrantedVCPUs == UNION {VCPUs(v) : v \in Admitted}
Running(vc) == \E c \in CPUs : run[c] = vc

Owned == UNION {mem[v] : v \in VMs}
FreeRegions == Regions \ Owned
CleanRegions == FreeRegions \ dirty

\* The sum of the regions granted, counting a region twice if two VMs
\* hold it (so that an overlap shows up as a capacity overrun too).
GrantedRegionCount == Cardinality({p \in VMs \X Regions : p[2] \in mem[p[1]]})

\* A request fits if the host still has the vCPUs and the regions for it
\* (regions still dirty count: the VMM scrubs them before the grant).
\* vCPUs are not overcommitted: every granted vCPU can have its own CPU.
Fits(v) == /\ Cardinality(GrantedVCPUs) + Demand[v].vcpus <= Cardinality(CPUs)
           /\ Demand[v].mem <= Cardinality(FreeRegions)

\* The queue less VM v (v is in it once).
Dequeue(q, v) == LET p == CHOOSE i \in 1 .. Len(q) : q[i] = v
                 IN  SubSeq(q, 1, p - 1) \o SubSeq(q, p + 1, Len(q))

\* FIFO admission with reservation: the oldest pending request that fits
\* has the first claim on the clean regions (and the CPUs).  A younger
\* request may be granted only if no older one fits; a request that does
\* not fit (the host lacks the CPUs or the regions, counting the dirty
\* ones) is skipped and blocks nobody.  While the first one waits for the
\* VMM to scrub regions for it, nobody else gets a grant, so the clean
\* regions only add up until it has enough.
FirstFitting(v) == \E i \in 1 .. Len(queue) :
                      /\ queue[i] = v
                      /\ Fits(v)
                      /\ \A j \in 1 .. (i - 1) : ~Fits(queue[j])

-----------------------------------------------------------------------------
(* The control program. *)

Init == /\ status = [v \in VMs |-> "absent"]
        /\ mem = [v \in VMs |-> {}]
        /\ dirty = {}
        /\ run = [c \in CPUs |-> Host]
        /\ mode = [c \in CPUs |-> "M"]
        /\ prot = [c \in CPUs |-> {}]
        /\ queue = <<>>

\* A user asks for VM v with Demand[v] (also called Request).  The
\* request joins the end of the admission queue.
Create(v) == /\ status[v] = "absent"
             /\ status' = [status EXCEPT ![v] = "requested"]
             /\ queue' = Append(queue, v)
             /\ UNCHANGED <<mem, dirty, run, mode, prot>>

\* Admission: the VMM grants a request only if it fits, only if it is the
\* oldest pending request that fits (FirstFitting: FIFO with reservation),
\* and only with scrubbed regions.
Grant(v) == /\ status[v] = "requested"
            /\ FirstFitting(v)
            /\ \E S \in SUBSET CleanRegions :
                  /\ Cardinality(S) = Demand[v].mem
                  /\ mem' = [mem EXCEPT ![v] = S]
            /\ status' = [status EXCEPT ![v] = "admitted"]
            /\ queue' = Dequeue(queue, v)
            /\ UNCHANGED <<dirty, run, mode, prot>>

\* The VMM puts vCPU vc of an admitted VM on a CPU it holds: it drops the
\* privilege to GuestMode and restricts the protection unit to vc's VM.
Dispatch(c, vc) == /\ run[c] = Host
                   /\ VMOf(vc) \in Admitted
                   /\ vc \in VCPUs(VMOf(vc))
                   /\ ~Running(vc)
                   /\ run' = [run EXCEPT ![c] = vc]
                   /\ mode' = [mode EXCEPT ![c] = GuestMode]
                   /\ prot' = [prot EXCEPT ![c] = mem[VMOf(vc)]]
                   /\ UNCHANGED <<status, mem, dirty, queue>>

\* The guest runs an innocuous instruction directly, at full speed, in
\* GuestMode, touching only what prot[c] lets it touch (Confinement says
\* that is its own VM's memory).  The VMM does not see it: no variable of
\* the spec changes, and the step is a stuttering step.  It is named so
\* that the Go models and traces can say where the guest ran.
GuestStep(c) == /\ run[c] /= Host
                /\ UNCHANGED vars

\* The guest executes a sensitive instruction: it traps, and the CPU
\* passes to the VMM (M mode), which emulates the instruction.
Trap(c) == /\ run[c] /= Host
           /\ run' = [run EXCEPT ![c] = Host]
           /\ mode' = [mode EXCEPT ![c] = "M"]
           /\ prot' = [prot EXCEPT ![c] = {}]
           /\ UNCHANGED <<status, mem, dirty, queue>>

\* The timer fires: the CPU passes to the VMM.
Preempt(c) == /\ run[c] /= Host
              /\ run' = [run EXCEPT ![c] = Host]
              /\ mode' = [mode EXCEPT ![c] = "M"]
              /\ prot' = [prot EXCEPT ![c] = {}]
              /\ UNCHANGED <<status, mem, dirty, queue>>

\* VM v gives its resources back; none of its vCPUs may be on a CPU.  Its
\* regions keep its data until they are scrubbed.  (Abstraction: every
\* granted region is taken to hold its owner's data by the time it is
\* released, so every released region is dirty.)
Release(v) == /\ status[v] = "admitted"
              /\ \A vc \in VCPUs(v) : ~Running(vc)
              /\ status' = [status EXCEPT ![v] = "released"]
              /\ mem' = [mem EXCEPT ![v] = {}]
              /\ dirty' = dirty \cup mem[v]
              /\ UNCHANGED <<run, mode, prot, queue>>

\* The record of VM v goes away: a released VM, or a request withdrawn.
Destroy(v) == /\ status[v] \in {"requested", "released"}
              /\ status' = [status EXCEPT ![v] = "absent"]
              /\ queue' = IF status[v] = "requested" THEN Dequeue(queue, v) ELSE queue
              /\ UNCHANGED <<mem, dirty, run, mode, prot>>

\* The VMM zeroes a region that still holds a former owner's data.
Scrub(r) == /\ r \in dirty
            /\ dirty' = dirty \ {r}
            /\ UNCHANGED <<status, mem, run, mode, prot, queue>>

\* ENABLED Grant(v), spelled out, and the admission of v seen through
\* status.  Under [][Next]_vars an <<Admits(v)>>_status step is exactly a
\* Grant(v) step (no other action admits v), and ENABLED Admits(v) is
\* ENABLED Grant(v), so SF_status(Admits(v)) below is SF_vars(Grant(v)).
\* It is written so for tla-checker: under SYMMETRY it tests a Grant step
\* against the successor with its regions renamed, where the other VMs'
\* mem differ, finds Grant disabled, and reports unfair lassos (README.md,
\* "Differences").  Admits(v) says nothing of mem; TLC then needs the
\* subscript to be status alone.
GrantEnabled(v) == /\ status[v] = "requested"
                   /\ FirstFitting(v)
                   /\ Demand[v].mem <= Cardinality(CleanRegions)
Admits(v) == GrantEnabled(v) /\ status' = [status EXCEPT ![v] = "admitted"]

Next == \/ \E v \in VMs : Create(v) \/ Grant(v) \/ Release(v) \/ Destroy(v)
        \/ \E c \in CPUs : \/ \E vc \in GrantedVCPUs : Dispatch(c, vc)
                           \/ GuestStep(c)
                           \/ Trap(c)
                           \/ Preempt(c)
        \/ \E r \in Regions : Scrub(r)

\* Fairness: the timer fires (Preempt); the VMM does its own work
\* (Dispatch, Grant, Scrub).  Users (Create, Release, Destroy) and
\* guests (GuestStep, Trap) owe nothing.  Grant is strongly fair
\* (SF_status(Admits(v)) is SF_vars(Grant(v)), see above).  Fairness alone does
\* not keep a request from starving: without FIFO admission a VM that
\* keeps coming and going takes the clean regions each time, which beats
\* WF (Broken_WeakGrant), and, when it asks for less memory than the
\* request, beats SF too: Grant of the request is then never enabled
\* (Broken_ScrubStarvesRequest).  With FirstFitting, Grant(v) of the
\* oldest fitting request stays enabled once the VMM has scrubbed enough
\* regions, so even WF would do (TLC finds no lasso with WF on the hosts
\* of MC_Small and MC_Mixed).
Fairness == /\ \A c \in CPUs : WF_vars(Preempt(c))
            /\ \A vc \in AllVCPUs : WF_vars(\E c \in CPUs : Dispatch(c, vc))
            /\ \A v \in VMs : SF_status(Admits(v))
            /\ \A r \in Regions : WF_vars(Scrub(r))

Spec == Init /\ [][Next]_vars /\ Fairness

-----------------------------------------------------------------------------
(* Safety. *)

TypeOK == /\ status \in [VMs -> {"absent", "requested", "admitted", "released"}]
          /\ mem \in [VMs -> SUBSET Regions]
          /\ dirty \in SUBSET Regions
          /\ run \in [CPUs -> AllVCPUs \cup {Host}]
          /\ mode \in [CPUs -> Modes]
          /\ prot \in [CPUs -> SUBSET Regions]
          \* the queue holds every pending request, once
          /\ Len(queue) = Cardinality({v \in VMs : status[v] = "requested"})
          /\ \A i \in 1 .. Len(queue) : status[queue[i]] = "requested"

\* Memory separation (1): a region has at most one owner.
Separation == \A v, w \in VMs : v /= w => mem[v] \cap mem[w] = {}

\* Memory separation (2): a running vCPU only ever touches its own VM's
\* regions.
Confinement == \A c \in CPUs : run[c] /= Host => prot[c] \subseteq mem[VMOf(run[c])]

\* Scrub before reuse: no VM holds a region with a former owner's data.
\* (No neighbour's data either: no other guest can touch its regions, by
\* Confinement.)
ScrubBeforeReuse == \A v \in VMs : mem[v] \cap dirty = {}

\* Capacity: the total granted never exceeds what the host has.
Capacity == /\ Cardinality(GrantedVCPUs) <= Cardinality(CPUs)
            /\ GrantedRegionCount <= Cardinality(Regions)
            /\ \A v \in VMs : status[v] /= "admitted" => mem[v] = {}

\* Guests never run in a privileged mode.
GuestDeprivileged == \A c \in CPUs : run[c] /= Host => mode[c] = GuestMode

\* A CPU runs at most one vCPU, and a vCPU runs on at most one CPU; only
\* vCPUs of admitted VMs run.
ExclusiveCPU == /\ \A c, d \in CPUs : c /= d /\ run[c] /= Host => run[c] /= run[d]
                /\ \A c \in CPUs : run[c] /= Host => run[c] \in GrantedVCPUs

Safety == /\ TypeOK /\ Separation /\ Confinement
          /\ ScrubBeforeReuse /\ Capacity /\ GuestDeprivileged /\ ExclusiveCPU

-----------------------------------------------------------------------------
(* Liveness, under Fairness. *)

\* The VMM regains every CPU infinitely often.
VMMRegainsCPUs == \A c \in CPUs : []<>(run[c] = Host)

\* Every vCPU of an admitted VM that is runnable (not on a CPU) eventually
\* runs, unless its VM gives its resources back first:
\*     (VMOf(vc) \in Admitted /\ ~Running(vc))
\*        ~> (Running(vc) \/ VMOf(vc) \notin Admitted)
\* The right side is the negation of the left side, and P ~> ~P is
\* equivalent to []<>~P (P cannot hold forever).  Written so, TLC checks
\* it without a tableau, about ten times faster.
AdmittedVMsRun == \A vc \in AllVCPUs :
                     []<>(Running(vc) \/ VMOf(vc) \notin Admitted)

\* A request that fits is eventually granted, unless it is withdrawn or
\* another grant makes it stop fitting first:
\*     (status[v] = "requested" /\ Fits(v))
\*        ~> (status[v] /= "requested" \/ ~Fits(v))
\* Again of the form P ~> ~P, that is []<>~P.
RequestsGranted == \A v \in VMs :
                      []<>(status[v] /= "requested" \/ ~Fits(v))

=============================================================================
