-- tests/lua/fuzz.lua SEED [ITERATIONS] — call every function of the
-- vmsim API with random arguments of random types (seeded: the same seed,
-- the same calls).  Errors are expected and caught; the simulator must
-- never crash: the test is that this script ends (exit 0).
local seed = tonumber(arg[1] or "1")
local iterations = tonumber(arg[2] or "3000")
math.randomseed(seed)
local R = math.random

local progs = { "hello", "touch_pages", "selfmod", "stride", "vm_swap" }
local kinds = { "page_fault", "tlb_refill", "exec", "exit", "*", "stale_ifetch", "nonesuch" }
local strings = { "", "mips", "mipsel", "amd64", "32M", "4G", "x", "l1d", "l1i", "l2",
    "page_fault", "*", "16K/2/32", "0", "-1", "\0\1\2", string.rep("A", 300),
    "uid", "rlimits", "swap", "memlock", "pageout", "4K" }

local m, procs, cpus = nil, {}, {}
local function fresh_machine()
	if m ~= nil then pcall(m.close, m) end
	local arch = ({ "mips", "mipsel", "amd64" })[R(3)]
	local ok, mm = pcall(vmsim.machine, { arch = arch, memory = "8M", output = "capture",
	    max_insns = 300000, swap = ({ false, "4M", "16M" })[R(3)], overcommit = R(0, 7),
	    uid = ({ 0, 1000 })[R(2)] })
	if ok then
		m = mm
		procs = {}
		cpus = { m:cpu(0) }
		local prog = progs[R(#progs)]
		local args = { touch_pages = { R(0, 20) }, stride = { 4 * R(1, 64), 4096 * R(1, 8) },
		    vm_swap = { R(1, 12) },
		    selfmod = { ({ "nosync", "synci", "cacheflush", "bad" })[R(4)] } }
		local okp, p = pcall(m.spawn, m, vmsim.program(arch, prog), args[prog] or {})
		if okp then procs[#procs + 1] = p end
	end
end

local value
local function random_table(depth)
	local t = {}
	for _ = 1, R(0, 4) do
		local k = R(2) == 1 and strings[R(#strings)] or R(-2, 5)
		t[k] = value(depth + 1)
	end
	return t
end

function value(depth)
	depth = depth or 0
	local c = R(16)
	if c == 1 then return nil
	elseif c == 2 then return R(2) == 1
	elseif c == 3 then return R(-5, 70)
	elseif c == 4 then return ({ math.maxinteger, math.mininteger, 0x7fff0000, -1, 2^53, 1.5,
	    0 / 0, 1 / 0 })[R(8)]
	elseif c == 5 or c == 6 then return strings[R(#strings)]
	elseif c == 7 then return depth < 2 and random_table(depth) or {}
	elseif c == 8 then return function(...) return R(3) == 1 end
	elseif c == 9 then return function() error("fuzz error") end
	elseif c == 10 then return m
	elseif c == 11 then return procs[R(math.max(#procs, 1))]
	elseif c == 12 then return cpus[1]
	elseif c == 13 then return { arch = strings[R(4)], memory = value(depth + 1),
	    tlb = depth < 2 and random_table(depth) or nil, costs = { l1_hit = R(-1, 5) },
	    swap = R(4) == 1 and value(depth + 1) or nil, uid = R(4) == 1 and value(depth + 1) or nil,
	    rlimits = R(4) == 1 and { swap = value(depth + 1), memlock = value(depth + 1) } or nil }
	elseif c == 14 then return function()
		-- callbacks that try everything, forbidden things included
		local f = ({ "run", "step", "spawn", "close", "stats", "cpu", "config", "lowmem",
		    "pageout" })[R(9)]
		if m ~= nil and m[f] then pcall(m[f], m, value(depth + 1)) end
	end
	elseif c == 15 then return coroutine.create(function() end)
	else return vmsim.program("mips", progs[R(#progs)])
	end
end

local function methods_of(obj)
	local mt = getmetatable(obj)
	if mt == nil then return {} end
	local idx = mt.__index
	local t = type(idx) == "table" and idx or mt.methods or {}
	local names = {}
	for k in pairs(t) do names[#names + 1] = k end
	table.sort(names)
	return names, t
end

fresh_machine()
local calls, errors = 0, 0
for i = 1, iterations do
	if m == nil or R(200) == 1 or tostring(m) == "vmsim.machine (closed)" then fresh_machine() end
	local target, fname, fn
	local which = R(5)
	if which == 1 then
		local names = { "machine", "program", "program_exists", "parse_size" }
		fname = names[R(#names)]
		fn = vmsim[fname]
	elseif which == 2 and m ~= nil then
		local names, t = methods_of(m)
		fname = names[R(#names)]
		fn, target = t[fname], m
	elseif which == 3 and #procs > 0 then
		local p = procs[R(#procs)]
		local names, t = methods_of(p)
		fname = names[R(#names)]
		fn, target = t[fname], p
	elseif which == 4 and m ~= nil then
		local names, t = methods_of(cpus[1])
		fname = names[R(#names)]
		fn, target = t[fname], cpus[1]
	else
		-- fields and odd receivers
		local objs = { m, procs[1], cpus[1] }
		local o = objs[R(3)]
		if o ~= nil then pcall(function() return o[value()] end) end
	end
	if fn ~= nil then
		local args = {}
		local nargs = R(0, 4)
		for k = 1, nargs do args[k] = value() end
		if fname == "run" and m ~= nil and R(2) == 1 then args[1] = { insns = R(1, 50000) } end
		if fname == "machine" then pcall(function() if m then m:close() end end) end
		local ok
		if target ~= nil and R(8) ~= 1 then
			ok = pcall(fn, target, table.unpack(args, 1, nargs))
		else
			ok = pcall(fn, table.unpack(args, 1, nargs))
		end
		calls = calls + 1
		if not ok then errors = errors + 1 end
		if fname == "spawn" and ok then
			-- keep a few processes around
			local p = m and m:processes()
			if p then procs = p end
		end
	end
	if i % 500 == 0 then collectgarbage() end
end
if m ~= nil then pcall(m.close, m) end
print(string.format("fuzz seed %d: %d calls, %d raised errors, no crash", seed, calls, errors))
