-- Lab 5 (second half): a debugger's breakpoint, private text, and the
-- I-cache.
--
--   vmsim run scripts/lua/labs/breakpoints.lua
--
-- (The first half, self-modifying code, is labs/icache.lua.)
--
-- A debugger plants a breakpoint by writing a trap instruction over the
-- first instruction of a function in ANOTHER process's text, with
-- ptrace(PTRACE_POKETEXT) (MIPS `break`, amd64 `int3`).  Text is mapped
-- read-only and shared by every process running the program, so the
-- kernel (proc_rwmem) faults the page in for writing as a debugger may:
-- the tracee gets a private copy of the page (copy-on-write), and only
-- the tracee sees the breakpoint.  Because the kernel has just written
-- instructions, it syncs the I-cache for them (vm_sync_icache ->
-- pmap_sync_icache): on MIPS, whose I-cache does not see stores, the line
-- is written back from the D-cache and invalidated (an `icache_sync`
-- event of type pmap_sync_icache); amd64's caches are coherent, and
-- nothing is logged.
--
-- The guest program `ptrace_bp` is the tracer: it forks a tracee
-- (PTRACE_TRACEME, then it stops), writes the breakpoint over victim(),
-- lets a bystander (another process running the same binary) and itself
-- call victim(), continues the tracee, which traps at the breakpoint,
-- puts the old word back, moves the PC back (SETREGS), continues it again;
-- then more ptrace requests and their errors.  It prints each check and
-- "ptrace_bp: all ok".
--
-- What to look at
--   Table 1: the ptrace requests, the POKETEXTs and the I-cache syncs,
--   the trap, on MIPS and amd64.
--   Table 2: the frame and the instruction at victim() in the tracer, the
--   tracee and the bystander, as the breakpoint is written: the tracee's
--   is a copy.
--   The breakpoint event by event (MIPS): the copy fault in the tracee's
--   text, the sync, the poke, the trap, the restore.
--   What each process printed.
--
-- Questions
--   1. Why must the kernel sync the I-cache after POKETEXT on MIPS, and
--      which CPU's I-cache?  (The tracer may run on another CPU than the
--      tracee: look at the cpu column of the icache_sync events.)
--   2. Why does the bystander not trap?  What would happen if the kernel
--      wrote the breakpoint into the shared page of the file?
--   3. The MIPS trap stops the tracee at victim (epc), amd64 one byte
--      later (rip after int3).  What must the debugger do before it
--      continues, on each?
--   4. The restore (the second POKETEXT) writes the original word back
--      into the tracee's PRIVATE copy.  Is the page shared with the file
--      again afterwards?  What does it cost?
--   5. The debugger is charged for the copy (VM-SPEC "Swap accounting":
--      a debugger's COW write is charged to the debugger).  Why?
--
-- What to change
--   cpus = 1; arch = "mipsel"; a smaller L1I (l1i = "4K/2/16"); write a
--   tracer that pokes two breakpoints in one page (how many syncs, how
--   many copies?).

local kit = require "lib.labkit"

local PAGE = 4096
local smp = kit.supports("smp")
local cpus = smp and 2 or 1

-- One ptrace_bp run: every event kept; at the first POKETEXT, the frames
-- and the instruction at the breakpoint in the tracer and the tracee; at
-- the bystander's exit, its frame.
local function run(arch)
	local st = { pokes = {}, frames = {}, ptrace = {}, syncs = {}, traps = {} }
	local r = kit.run({ arch = arch, cpus = cpus }, "ptrace_bp", {}, {
		keep = { ["*"] = true },
		on = {
			ptrace = function(e, m)
				st.ptrace[e.type] = (st.ptrace[e.type] or 0) + 1
				if e.type ~= "poketext" then return end
				local target = tonumber(e.detail:match("pid (%d+)"))
				st.pokes[#st.pokes + 1] = { e = e, target = target }
				if #st.pokes == 1 then
					st.addr, st.tracee, st.tracer = e.va, target, e.pid
					for _, pid in ipairs{ e.pid, target } do
						local pte = m:process(pid):pte(e.va)
						st.frames[pid] = { pa = pte.mapped and pte.pa or nil,
						    insn = (m:disasm(pid, e.va, 1) or { "?" })[1] }
					end
				end
			end,
			icache_sync = function(e) st.syncs[#st.syncs + 1] = e end,
			signal = function(e)
				if e.type == "SIGTRAP" then st.traps[#st.traps + 1] = e end
			end,
			exit = function(e, m)
				local q = m:process(e.pid)
				if st.addr and e.pid ~= st.tracer and e.pid ~= st.tracee and
				    st.frames[e.pid] == nil then
					local pte = q:pte(st.addr)
					st.frames[e.pid] = { pa = pte.mapped and pte.pa or nil,
					    insn = (m:disasm(e.pid, st.addr, 1) or { "?" })[1] }
				end
			end,
		},
	})
	st.r = r
	-- Who is who, from what they printed.
	for pid, out in pairs(r.outputs) do
		if out:match("^bystander: ") then st.bystander = pid end
	end
	st.bp_syncs = 0
	for _, e in ipairs(st.syncs) do
		if e.type == "pmap_sync_icache" and st.addr and e.va // PAGE == st.addr // PAGE then
			st.bp_syncs = st.bp_syncs + 1
		end
	end
	-- The copy fault of the tracee's text page, before the first poke.
	for _, e in ipairs(r.kept) do
		if e.kind == "page_fault" and e.pid == st.tracee and st.addr and
		    e.va // PAGE == st.addr // PAGE and e.seq < st.pokes[1].e.seq then
			st.copy = e
		end
	end
	return st
end

local res = {}
local rows = {}
for _, arch in ipairs{ "mips", "amd64" } do
	local st = run(arch)
	res[arch] = st
	local reqs = {}
	for _, k in ipairs(kit.sorted_keys(st.ptrace)) do reqs[#reqs + 1] = k .. " " .. st.ptrace[k] end
	local trap = st.traps[1]
	local stop = st.traps[2]
	rows[#rows + 1] = { arch, kit.hex(st.addr), #st.pokes, st.bp_syncs, #st.syncs,
	    trap and string.format("%#x %s", trap.pc, trap.detail) or "-",
	    stop and kit.hex(stop.pc) or "-", st.r.exit_status, table.concat(reqs, ", ") }
end
print(string.format("Table 1: ptrace_bp on %d CPU(s): the breakpoint at victim()", cpus))
kit.print_table({ "arch", "victim", "POKETEXT", "icache_sync (victim)", "icache_sync (all)",
    "trap at", "stopped at", "exit", "ptrace requests" }, rows)
for _, arch in ipairs{ "mips", "amd64" } do
	for _, e in ipairs(res[arch].syncs) do
		if e.va // PAGE ~= res[arch].addr // PAGE then
			print(string.format("  (%s also synced %s at %#x for pid %d: %s)", arch, e.detail, e.va,
			    e.pid, e.type == "sigtramp" and "the kernel wrote a signal trampoline" or e.type))
		end
	end
end
print()

rows = {}
for _, arch in ipairs{ "mips", "amd64" } do
	local st = res[arch]
	for _, who in ipairs{ { "tracer", st.tracer }, { "tracee", st.tracee },
	    { "bystander", st.bystander } } do
		local f = st.frames[who[2]] or {}
		rows[#rows + 1] = { arch, who[1], who[2], kit.hex(f.pa and f.pa // PAGE * PAGE),
		    f.insn or "-" }
	end
end
print("Table 2: victim()'s page and first instruction in each process, as the breakpoint is written")
print("  (the bystander's at its exit)")
kit.print_table({ "arch", "process", "pid", "frame", "instruction at victim" }, rows)
print()

do
	local st = res.mips
	print("The breakpoint on MIPS, event by event:")
	rows = {}
	local last = st.pokes[#st.pokes] and st.pokes[#st.pokes].e.seq or 0
	for _, e in ipairs(st.r.kept) do
		local interesting = e.seq >= (st.copy and st.copy.seq or 0) and e.seq <= last and (
		    e.kind == "ptrace" or e.kind == "icache_sync" or
		    (e.kind == "signal" and e.type == "SIGTRAP") or
		    (e.kind == "page_fault" and e == st.copy) or
		    (e.kind == "exit" and e.pid == st.bystander))
		if interesting then
			rows[#rows + 1] = { e.seq, e.cpu, e.pid, e.kind .. (e.type and "/" .. e.type or ""),
			    kit.hex(e.va ~= 0 and e.va or nil), kit.hex(e.pa ~= 0 and e.pa or nil),
			    e.detail }
		end
	end
	kit.print_table({ "seq", "cpu", "pid", "event", "va", "pa", "detail" }, rows)
	print()
end

for _, arch in ipairs{ "mips", "amd64" } do
	local st = res[arch]
	print(arch .. ": what the processes printed (the tracer's first 16 lines)")
	local n = 0
	for line in (st.r.outputs[st.tracer] or ""):gmatch("[^\n]+") do
		n = n + 1
		if n <= 16 then print("  tracer    | " .. line) end
	end
	for _, who in ipairs{ { "tracee", st.tracee }, { "bystander", st.bystander } } do
		for line in (st.r.outputs[who[2]] or ""):gmatch("[^\n]+") do
			print(string.format("  %-9s | %s", who[1], line))
		end
	end
	print()
end

-- ---- The expected outcome ----

for _, arch in ipairs{ "mips", "amd64" } do
	local st = res[arch]
	local what = arch .. " ptrace_bp: "
	local out = st.r.outputs[st.tracer] or ""
	-- The program's own checks.
	assert(st.r.exit_status == 0 and out:match("\nptrace_bp: all ok\n$") and
	    not out:match("FAILED"), what .. "the program's checks must pass:\n" .. out)
	for _, line in ipairs{ "POKETEXT writes the breakpoint: ok",
	    "the tracer's own text is unchanged: ok", "the bystander ran victim and exited 0: ok",
	    "tracer: victim(6) = 19", "the tracee stopped with SIGTRAP: ok",
	    arch == "mips" and "the PC is the breakpoint's address (epc): ok" or
	        "the PC is just past the int3 (rip): ok",
	    "the tracee finished and exited 0: ok" } do
		assert(out:find(line, 1, true), what .. "missing: " .. line)
	end
	-- The tracee trapped, then ran victim correctly; the bystander never
	-- saw the breakpoint.
	assert(st.r.outputs[st.tracee] == "tracee: victim(7) = 22\n" and st.r.statuses[st.tracee] == 0,
	    what .. "the tracee's output")
	assert(st.bystander and st.r.outputs[st.bystander] == "bystander: victim(5) = 16\n" and
	    st.r.statuses[st.bystander] == 0, what .. "the bystander is unaffected")
	-- Two POKETEXTs into the tracee: the breakpoint and the restore.
	assert(#st.pokes == 2 and st.pokes[2].e.va == st.addr and st.pokes[2].target == st.tracee,
	    what .. "2 POKETEXTs at victim")
	-- The trap: at victim itself (MIPS break: epc) / after the int3 (rip).
	local trap = st.traps[1]
	assert(trap and trap.pid == st.tracee and trap.pc == st.addr, what .. "the trap at victim")
	assert(st.traps[2] and st.traps[2].pc == st.addr + (arch == "amd64" and 1 or 0),
	    what .. "the stop PC")
	-- A private copy: the tracee's frame differs from the tracer's, the
	-- bystander's is the tracer's (the file's page).
	local fr, fe, fb = st.frames[st.tracer], st.frames[st.tracee], st.frames[st.bystander]
	assert(st.copy and st.copy.type == "cow_copy", what .. "a copy fault of the tracee's text")
	assert(fr.pa and fe.pa and fr.pa // PAGE ~= fe.pa // PAGE, what .. "the tracee's page is a copy")
	assert(fb and fb.pa and fb.pa // PAGE == fr.pa // PAGE, what .. "the bystander maps the file's page")
	assert(fe.insn:match(arch == "amd64" and "int3" or "break"), what .. "the breakpoint is in the tracee")
	assert(not fr.insn:match("int3") and not fr.insn:match("break"), what .. "not in the tracer")
	-- The I-cache: one sync per POKETEXT on MIPS, none at all on amd64.
	if arch == "amd64" then
		assert(#st.syncs == 0, what .. "amd64 logs no icache_sync")
	else
		assert(st.bp_syncs == #st.pokes, what .. "one icache_sync per POKETEXT")
		for _, e in ipairs(st.syncs) do
			if e.va // PAGE == st.addr // PAGE then
				assert(e.va == st.addr and e.pa // PAGE == fe.pa // PAGE,
				    what .. "the sync is of the tracee's copy, at victim")
			end
		end
	end
end
print("lab breakpoints: all expected outcomes hold")
