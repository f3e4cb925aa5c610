-- scripts/lua/lib/labkit.lua — what the labs and the tour share: running
-- one guest program on a fresh machine and counting what happened, and
-- printing plain-text tables.  Loaded with require "lib.labkit" (vmsim
-- looks for modules next to the script and in its parent directory).

local kit = {}

-- The keys of t, sorted (pairs() order is not deterministic in Lua).
function kit.sorted_keys(t)
	local keys = {}
	for k in pairs(t) do keys[#keys + 1] = k end
	table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
	return keys
end

-- Print rows (arrays of values) under headers, columns aligned; numbers
-- are right-aligned.
function kit.print_table(headers, rows)
	local width = {}
	for i, h in ipairs(headers) do width[i] = #h end
	for _, r in ipairs(rows) do
		for i = 1, #headers do
			width[i] = math.max(width[i], #tostring(r[i] == nil and "-" or r[i]))
		end
	end
	local function line(cells, is_header)
		local out = {}
		for i = 1, #headers do
			local v = cells[i] == nil and "-" or cells[i]
			local s = tostring(v)
			if type(v) == "number" and not is_header then
				out[i] = string.rep(" ", width[i] - #s) .. s
			else
				out[i] = s .. string.rep(" ", width[i] - #s)
			end
		end
		print("  " .. table.concat(out, "  "))
	end
	line(headers, true)
	local rule = {}
	for i = 1, #headers do rule[i] = string.rep("-", width[i]) end
	print("  " .. table.concat(rule, "  "))
	for _, r in ipairs(rows) do line(r, false) end
end

-- Run the guest program prog (e.g. "stride") of cfg.arch with args on a
-- new machine built from cfg (any vmsim.machine key: cpus = 2, bugs =
-- {"skip-shootdown"}, ...); guest output is captured.  opts (all
-- optional):
--   on       {kind = function(event, machine, process)}, called as the
--            events happen ("*" for every kind)
--   keep     {kind = true, ...}: keep those events (the tables) in order
--            in r.kept ("*": all)
--   after    function(machine, process, r), called after the run, before
--            the machine is closed (to look at the TLB, call m:lowmem()...)
--   outcome  the run's expected end, "exited" (the default) or "panic";
--            "any" accepts every end.  A different end is an assertion.
-- Returns a table:
--   stats        the machine's counters (m:stats())
--   events       counts by kind and by "kind/type" (page_fault/zero_fill)
--   kept         the kept events
--   how, why     what m:run returned ("exited", or "panic" and the message)
--   exit_status  the program's exit status
--   output       what it printed
--   outputs      every process's output by pid (forked children too)
--   statuses     every process's exit status by pid
--   config       m:config()
function kit.run(cfg, prog, args, opts)
	opts = opts or {}
	local c = {}
	for k, v in pairs(cfg) do c[k] = v end
	c.output = "capture"
	local m = vmsim.machine(c)
	local r = { events = {}, kept = {}, outputs = {}, statuses = {} }
	local keep = opts.keep or {}
	local p
	m:on("*", function(e)
		r.events[e.kind] = (r.events[e.kind] or 0) + 1
		if e.type then
			local k = e.kind .. "/" .. e.type
			r.events[k] = (r.events[k] or 0) + 1
		end
		if keep[e.kind] or keep["*"] then r.kept[#r.kept + 1] = e end
		local fn = opts.on and (opts.on[e.kind] or opts.on["*"])
		if fn then fn(e, m, p) end
	end)
	p = m:spawn(vmsim.program(c.arch or "mips", prog), args or {})
	r.how, r.why = m:run()
	local outcome = opts.outcome or "exited"
	assert(outcome == "any" or r.how == outcome, string.format(
	    "%s %s: the run ended with %s (%s), expected %s", c.arch or "mips", prog,
	    tostring(r.how), tostring(r.why), outcome))
	if opts.after then opts.after(m, p, r) end
	r.stats = m:stats()
	r.exit_status = p.exit_status
	r.output = p.output
	for _, q in ipairs(m:processes()) do
		r.outputs[q.pid] = q.output
		r.statuses[q.pid] = q.exit_status
	end
	r.config = m:config()
	m:close()
	return r
end

-- The count of kind in a kit.run result's events, or of kind/type.
function kit.count(r, kind, type)
	return r.events[type and (kind .. "/" .. type) or kind] or 0
end

-- An event's detail "key=value key=value" (kstack, shootdown...) as a
-- table; values that are numbers (decimal or 0x hex) become numbers.
-- Words without "=" are keys with the value true ("page ... skipped").
function kit.fields(detail)
	local t = {}
	for word in tostring(detail or ""):gmatch("%S+") do
		local k, v = word:match("^([%w_]+)=(.*)$")
		if k then
			t[k] = math.tointeger(tonumber(v)) or tonumber(v) or v
		else
			t[word] = true
		end
	end
	return t
end

-- The CPUs in a bit mask (shootdown targets=0x...) as a string "1,2" or
-- "none".
function kit.cpus_of(mask)
	local l = {}
	for i = 0, 63 do
		if (mask >> i) & 1 == 1 then l[#l + 1] = tostring(i) end
	end
	return #l > 0 and table.concat(l, ",") or "none"
end

-- Hex: "0x%x" for the tables.
function kit.hex(v)
	return v and string.format("%#x", v) or "-"
end

-- What this build of the simulator can do (vmsim.features, plus the
-- guest programs the labs need).
function kit.supports(what)
	return vmsim.features[what] == true
end

return kit
