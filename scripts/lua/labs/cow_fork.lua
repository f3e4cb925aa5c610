-- Lab 2: copy-on-write fork.
--
--   vmsim run scripts/lua/labs/cow_fork.lua
--
-- The guest program `fork_cow N` maps N private anonymous pages, fills
-- them and forks; the child writes one word into each page and exits, the
-- parent waits, checks that its own pages are unchanged and prints a
-- checksum.  N = 0 is the baseline: the faults every fork costs anyway
-- (the stack, the C runtime's data).
--
-- What to look at
--   Table 1: page faults by type and process for several N (cow_copy: a
--   write to a shared page copied it; cow_reuse: the writer was the last
--   user and took the page as it was; soft: the page was resident, only
--   the mapping was missing).
--   The address maps of parent and child right after the fork (the run is
--   paused as soon as the child exists): which entries are marked
--   copy-on-write and needs_copy, and which VM object each maps.
--   The same maps once the child has written its pages: the shadow object
--   that holds the child's copies, backed by the object both still share.
--
-- Questions
--   1. Why does the child take exactly N more copy faults than the
--      baseline?  Where do the baseline's copy faults come from?
--   2. After the fork both processes map the same object.  What protects
--      the parent's data when the child writes?  (pmap_protect at fork;
--      vm_fault's COW path; VM-SPEC.md, "Objects".)
--   3. When the child exits, what happens to the shadow object, and to
--      the reference count of the object it shadowed?
--   4. What would vfork() change in these tables?
--
-- What to change
--   N; let the parent write after the fork instead (a copy of the guest
--   program); memory = "4M" and a large N (what happens when memory runs
--   out?); arch = "amd64".

local kit = require "lib.labkit"

-- Faults by type for one process of a fork_cow run.
local function faults(n)
	local per = { [1] = {}, [2] = {} }
	local r = kit.run({ arch = "mips" }, "fork_cow", { n }, { on = {
		page_fault = function(e)
			local t = per[e.pid] or {}
			per[e.pid] = t
			t[e.type] = (t[e.type] or 0) + 1
		end,
	} })
	assert(r.exit_status == 0, "fork_cow " .. n .. " failed: " .. tostring(r.output))
	assert(r.output:match("parent data unchanged"), "the parent's data changed")
	return per
end

local rows, by_n = {}, {}
for _, n in ipairs{ 0, 1, 4, 16, 64 } do
	local per = faults(n)
	by_n[n] = per
	for _, pid in ipairs{ 1, 2 } do
		local t = per[pid]
		rows[#rows + 1] = { n, pid == 1 and "parent" or "child", t.zero_fill or 0,
		    t.cow_copy or 0, t.cow_reuse or 0, t.soft or 0, t.file or 0 }
	end
end
print("Table 1: fork_cow N, page faults by type")
kit.print_table({ "N", "process", "zero_fill", "cow_copy", "cow_reuse", "soft", "file" }, rows)
print()

-- The maps around the fork.
local function show_maps(p, title)
	print(title)
	for _, e in ipairs(p:maps()) do
		local flags = (e.cow and " cow" or "") .. (e.needs_copy and " needs_copy" or "")
		print(string.format("  %#010x-%#010x %s%-16s %-22s %s", e.start, e["end"], e.prot,
		    flags, e.label, e.object))
	end
end

local m = vmsim.machine{ arch = "mips", output = "capture" }
local parent = m:spawn(vmsim.program("mips", "fork_cow"), { 4 })
assert(m:run{ ["until"] = function(mm) return mm:process(2) ~= nil end } == "paused")
local child = m:process(2)
assert(child.ppid == parent.pid)
local function anon(p)
	for _, e in ipairs(p:maps()) do
		if e.label:match("^anon@") then return e end
	end
end
local pa, ca = anon(parent), anon(child)
show_maps(parent, "Right after fork(): the parent (pid 1)")
show_maps(child, "... and the child (pid 2)")
print()
-- Both map the same object, copy-on-write, not copied yet.
assert(pa.cow and ca.cow, "private mappings are copy-on-write")
assert(pa.objects[1].id == ca.objects[#ca.objects].id, "parent and child share the object")
local shared = pa.objects[1].id

-- Run until the child has written its pages (its copy faults).
local copies = 0
m:on("page_fault", function(e) if e.pid == 2 and e.type == "cow_copy" then copies = copies + 1 end end)
assert(m:run{ ["until"] = function() return copies >= 4 end } == "paused")
show_maps(child, "The child after its 4 writes")
local cc = anon(child)
print(string.format("  its anonymous entry: %d object(s) in the chain", #cc.objects))
for i, o in ipairs(cc.objects) do
	print(string.format("    %d. obj#%d %s, %d of %d pages resident, ref_count %d",
	    i, o.id, o.type, o.resident, o.size, o.ref_count))
end
print()
assert(#cc.objects >= 2 and cc.objects[#cc.objects].id == shared,
    "the child's copies live in a shadow object over the shared one")
assert(cc.objects[1].resident >= 4, "the shadow holds the child's copied pages")
assert(m:run() == "exited" and parent.exit_status == 0)
m:close()

-- The expected outcome: N more copies in the child than the baseline.
for _, n in ipairs{ 1, 4, 16, 64 } do
	local base = by_n[0][2].cow_copy or 0
	assert((by_n[n][2].cow_copy or 0) == base + n,
	    string.format("N = %d: the child should copy N pages more than the baseline", n))
end
print("lab cow_fork: all expected outcomes hold")
