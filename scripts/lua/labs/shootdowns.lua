-- Lab 4: TLB shootdowns, IPIs, and the skip-shootdown bug.
--
--   vmsim run scripts/lua/labs/shootdowns.lua
--
-- Every CPU caches translations in its own TLB.  When the kernel removes
-- or changes a mapping (munmap, mprotect, a copy-on-write fault, exit),
-- it must invalidate the old translation on every CPU that may hold it
-- before the frame is used for anything else: a *shootdown*.  The
-- initiating CPU invalidates its own TLB and sends an inter-processor
-- interrupt (IPI) to the others, which invalidate theirs and acknowledge
-- (a synchronous rendezvous: the initiator waits).  A `shootdown` event
-- per operation (type = the reason; cpu = the initiator; detail: page,
-- range or all, the end of the range and the target CPUs as a bit mask)
-- and an `ipi` event per target CPU.
--
-- The targets differ by architecture (VM-SPEC "pmap"):
--   amd64  only the CPUs where the pmap is active (pm_active: a thread of
--          the process runs there, or ran there last), one range per call
--   MIPS   every other CPU, one rendezvous per page (FreeBSD's MIPS pmap
--          has no active set: an ASID may live in any TLB; a CPU whose
--          ASID for the pmap is from an old generation need not act)
--
-- The guest programs: `smp_munmap T` maps 4 pages, touches them, and
-- unmaps 3 in one call, with T = 1 thread (only CPU 0 runs the process)
-- or T = 2 (a second thread spins on CPU 1).  `smp_stale`: thread A
-- unmaps a page P that thread B (on the other CPU) has just read, maps a
-- new page Q (which gets P's old frame) and writes a secret into it;
-- then B reads P again.  With bugs = {"skip-shootdown"} the remote
-- invalidations are left out (the shootdown event says "skipped"), and a
-- read through the stale TLB entry is a `stale_tlb` event.
--
-- What to look at
--   Table 1: the munmap shootdowns of smp_munmap and their IPIs, on both
--   architectures, with 1 and 2 threads; the shootdowns of the whole run
--   by reason (the exit's are the most).
--   Table 2: smp_stale with and without the knob: the exit status, what
--   B read, the stale_tlb events.  Then the story of the stale read: P's
--   frame, the skipped shootdown, Q's frame, B's read (which CPU, which
--   VA, which frame), and the program's own account.
--
-- Questions
--   1. Why does amd64 send no IPI when only CPU 0 ever ran the process,
--      while MIPS interrupts CPU 1 three times?  What does MIPS save by not
--      keeping an active set?  What does it pay?
--   2. Why one IPI per page on MIPS and one per call on amd64?  When
--      would amd64 rather flush everything (type "all")?
--   3. With 2 threads, thread 2 has exited before the process exits; yet
--      amd64's exit shootdowns still target CPU 1.  Why?  (When is a CPU
--      removed from pm_active?)
--   4. In smp_stale with the knob, B reads Q's secret.  Which two
--      mistakes of the kernel combine here (think of the order: free the
--      frame, shoot down)?  Why is the outcome correct when both threads
--      run on one CPU (cpus = 1)?
--   5. With 2 threads MIPS also shoots down at page faults (reason
--      fault): entering a NEW mapping.  What could another CPU's TLB hold
--      for a page that was not mapped?  (A refill loads an even/odd pair;
--      the missing half comes in invalid.)  Why not with 1 thread?
--   6. The IPI cycles column charges ipi_send to the initiator and
--      ipi_recv to the target for each IPI (`vmsim config`).  What would
--      a 64-CPU MIPS machine pay for one munmap of 3 pages?
--
-- What to change
--   cpus = 4 (who is targeted now?), cpus = 1 for smp_stale, costs =
--   { ipi_send = 2000 }, arch = "mipsel"; watch the shootdowns of a
--   fork with fork_cow (reason cow).

local kit = require "lib.labkit"

local PAGE = 4096

-- The shootdowns and IPIs of one run, by reason, with the munmap ones
-- kept.
local function shootdowns(cfg, prog, args)
	local st = { by_reason = {}, ipis_by_reason = {}, munmap = {}, munmap_ipis = {} }
	local r = kit.run(cfg, prog, args, {
		keep = { shootdown = true, ipi = true, stale_tlb = true, page_fault = true },
		on = {
			shootdown = function(e)
				st.by_reason[e.type] = (st.by_reason[e.type] or 0) + 1
				if e.type == "munmap" then st.munmap[#st.munmap + 1] = e end
			end,
			ipi = function(e)
				st.ipis_by_reason[e.type] = (st.ipis_by_reason[e.type] or 0) + 1
				if e.type == "munmap" then st.munmap_ipis[#st.munmap_ipis + 1] = e end
			end,
		},
	})
	st.r = r
	return st
end

local function reasons(t)
	local out = {}
	for _, k in ipairs(kit.sorted_keys(t)) do out[#out + 1] = k .. " " .. t[k] end
	return #out > 0 and table.concat(out, ", ") or "-"
end

-- ---- 1. smp_munmap: who is targeted ----

local rows, munmap = {}, {}
for _, arch in ipairs{ "mips", "amd64" } do
	munmap[arch] = {}
	for _, threads in ipairs{ 1, 2 } do
		local st = shootdowns({ arch = arch, cpus = 2 }, "smp_munmap", { threads })
		munmap[arch][threads] = st
		assert(st.r.exit_status == 0 and
		    st.r.output == string.format("smp_munmap threads=%d: done\n", threads),
		    string.format("%s smp_munmap %d failed: status %s, %q", arch, threads,
		        tostring(st.r.exit_status), tostring(st.r.output)))
		local kinds, targets, pages, lo, hi = {}, 0, 0, nil, nil
		for _, e in ipairs(st.munmap) do
			local f = kit.fields(e.detail)
			for _, k in ipairs{ "page", "range", "all" } do
				if f[k] then kinds[k] = (kinds[k] or 0) + 1 end
			end
			targets = targets | (f.targets or 0)
			pages = pages + (f["end"] - e.va) // PAGE
			lo = math.min(lo or e.va, e.va)
			hi = math.max(hi or f["end"], f["end"])
		end
		st.targets, st.pages, st.kinds = targets, pages, kinds
		rows[#rows + 1] = { arch, threads, #st.munmap, reasons(kinds),
		    lo and string.format("%#x-%#x", lo, hi) or "-", pages, kit.cpus_of(targets),
		    #st.munmap_ipis, kit.count(st.r, "shootdown"), kit.count(st.r, "ipi"),
		    kit.count(st.r, "ipi") * (st.r.config.costs.ipi_send + st.r.config.costs.ipi_recv),
		    reasons(st.by_reason) }
	end
end
print("Table 1: smp_munmap on 2 CPUs: the munmap of 3 pages, and every shootdown of the run")
kit.print_table({ "arch", "threads", "munmap shootdowns", "kind", "VA range", "pages",
    "targets", "munmap IPIs", "all shootdowns", "all IPIs", "IPI cycles", "shootdowns by reason" },
    rows)
print()

-- ---- 2. smp_stale with and without the knob ----

-- The story of a smp_stale run: P (the page of the last 1-page munmap
-- followed by a zero-fill fault 2 pages higher: Q), P's and Q's frames,
-- the stale reads.
local function story(st)
	local s = { stale = {} }
	local faults = {}
	for _, e in ipairs(st.r.kept) do
		if e.kind == "page_fault" and e.type == "zero_fill" then
			faults[#faults + 1] = e
		elseif e.kind == "stale_tlb" then
			s.stale[#s.stale + 1] = e
		end
	end
	for _, e in ipairs(st.munmap) do
		local f = kit.fields(e.detail)
		if f["end"] - e.va == PAGE then
			for _, pf in ipairs(faults) do
				if pf.seq > e.seq and pf.va // PAGE == e.va // PAGE + 2 then
					s.P, s.shootdown, s.Qfault = e.va, e, pf
				end
			end
		end
	end
	if s.P then
		for _, pf in ipairs(faults) do
			if pf.seq < s.shootdown.seq and pf.va // PAGE == s.P // PAGE then s.Pfault = pf end
		end
	end
	for _, e in ipairs(st.munmap_ipis) do
		if s.shootdown and e.seq > s.shootdown.seq and e.va == s.P and s.ipi == nil then
			s.ipi = e
		end
	end
	return s
end

local function frame(pa) return pa and pa // PAGE * PAGE end

rows = {}
local stale = {}
for _, arch in ipairs{ "mips", "amd64" } do
	stale[arch] = {}
	for _, knob in ipairs{ false, true } do
		local cfg = { arch = arch, cpus = 2 }
		if knob then cfg.bugs = { "skip-shootdown" } end
		local st = shootdowns(cfg, "smp_stale", {})
		st.story = story(st)
		stale[arch][knob] = st
		local b = (st.r.output or ""):match("\nB: (P unmapped[^\n]*)") or
		    (st.r.output or ""):match("\nB: (read stale data[^\n]*)") or "?"
		local sd = st.story.shootdown
		rows[#rows + 1] = { arch, knob and "skip-shootdown" or "-", st.r.exit_status,
		    sd and (kit.cpus_of(kit.fields(sd.detail).targets or 0) ..
		        (kit.fields(sd.detail).skipped and " skipped" or "")) or "?",
		    st.story.ipi and 1 or 0, #st.story.stale, b }
	end
end
print("Table 2: smp_stale on 2 CPUs: A unmaps P, which B has just read, and maps Q")
kit.print_table({ "arch", "bugs", "exit", "P's shootdown: targets", "its IPIs", "stale_tlb",
    "B's second read of P" }, rows)
print()

for _, arch in ipairs{ "mips", "amd64" } do
	local st = stale[arch][true]
	local s = st.story
	print(string.format("%s with skip-shootdown: the stale read, step by step", arch))
	if s.Pfault then
		print(string.format("  seq %4d  cpu %d tid %d  zero-fill fault on P %#x: frame %#x",
		    s.Pfault.seq, s.Pfault.cpu, s.Pfault.tid, s.Pfault.va, frame(s.Pfault.pa)))
	end
	if s.shootdown then
		print(string.format("  seq %4d  cpu %d tid %d  munmap P: shootdown %s",
		    s.shootdown.seq, s.shootdown.cpu, s.shootdown.tid, s.shootdown.detail))
	end
	if s.Qfault then
		print(string.format("  seq %4d  cpu %d tid %d  zero-fill fault on Q %#x: frame %#x",
		    s.Qfault.seq, s.Qfault.cpu, s.Qfault.tid, s.Qfault.va, frame(s.Qfault.pa)))
	end
	for _, e in ipairs(s.stale) do
		print(string.format("  seq %4d  cpu %d tid %d  stale_tlb: va %#x -> pa %#x: %s",
		    e.seq, e.cpu, e.tid, e.va, e.pa, e.detail))
	end
	print("  the program's output:")
	for line in (st.r.output or ""):gmatch("[^\n]+") do print("    | " .. line) end
	print()
end

-- ---- The expected outcome ----

for _, arch in ipairs{ "mips", "amd64" } do
	for _, threads in ipairs{ 1, 2 } do
		local st = munmap[arch][threads]
		local what = string.format("%s smp_munmap %d: ", arch, threads)
		assert(st.pages == 3, what .. "the munmap shootdowns must cover the 3 pages")
		if arch == "mips" then
			-- A rendezvous per page with every other CPU, threads or not.
			assert(#st.munmap == 3 and st.kinds.page == 3, what .. "3 page shootdowns")
			assert(st.targets == 0x2 and #st.munmap_ipis == 3, what .. "each targets CPU 1: 3 IPIs")
		elseif threads == 1 then
			-- Only CPU 0 ever had the pmap active: nobody to interrupt.
			assert(#st.munmap >= 1 and st.targets == 0 and #st.munmap_ipis == 0,
			    what .. "no remote target, no IPI")
		else
			assert(st.targets == 0x2 and #st.munmap_ipis >= 1, what .. "CPU 1 is targeted")
			for _, e in ipairs(st.munmap_ipis) do
				assert(e.detail == "to=1", what .. "IPIs go to CPU 1")
			end
		end
	end
end
assert(kit.count(munmap.mips[1].r, "ipi") > kit.count(munmap.amd64[1].r, "ipi"),
    "MIPS interrupts the other CPU more often than amd64")
for _, arch in ipairs{ "mips", "amd64" } do
	local ok_run, bug_run = stale[arch][false], stale[arch][true]
	local what = arch .. " smp_stale: "
	-- Without the knob: correct.
	assert(ok_run.r.exit_status == 0 and ok_run.r.output:match("B: P unmapped %(SIGSEGV%) %- correct"),
	    what .. "without the knob B must fault")
	assert(kit.count(ok_run.r, "stale_tlb") == 0, what .. "without the knob nothing is stale")
	assert(ok_run.story.ipi ~= nil, what .. "without the knob P's shootdown interrupts CPU 1")
	-- With it: B reads Q's secret through P's stale entry on CPU 1.
	local s = bug_run.story
	assert(bug_run.r.exit_status == 3, what .. "with the knob the program must exit 3")
	assert(bug_run.r.output:match("B: read stale data through P: SECRET: the launch code is 0000"),
	    what .. "B must read Q's secret through P")
	assert(s.shootdown and kit.fields(s.shootdown.detail).skipped and s.ipi == nil,
	    what .. "P's shootdown must be skipped, without IPI")
	assert(s.Pfault and s.Qfault and frame(s.Pfault.pa) == frame(s.Qfault.pa),
	    what .. "Q must get P's old frame")
	assert(#s.stale >= 1, what .. "a stale_tlb event")
	for _, e in ipairs(s.stale) do
		assert(e.va // PAGE == s.P // PAGE, what .. "the stale access is to P")
		assert(frame(e.pa) == frame(s.Pfault.pa), what .. "through P's old frame")
		assert(e.tid ~= s.shootdown.tid and e.detail:match("cpu1"),
		    what .. "by thread B on CPU 1")
	end
end
print("lab shootdowns: all expected outcomes hold")
