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
-- new machine built from cfg; guest output is captured.  opts.on, if
-- given, is {kind = function(event, machine, process)} (called as the
-- events happen).  Returns a table:
--   stats        the machine's counters (m:stats())
--   events       counts by kind and by "kind/type" (page_fault/zero_fill)
--   exit_status  the program's exit status
--   output       what it printed
--   config       m:config()
function kit.run(cfg, prog, args, opts)
	opts = opts or {}
	local c = {}
	for k, v in pairs(cfg) do c[k] = v end
	c.output = "capture"
	local m = vmsim.machine(c)
	local r = { events = {} }
	local p
	m:on("*", function(e)
		r.events[e.kind] = (r.events[e.kind] or 0) + 1
		if e.type then
			local k = e.kind .. "/" .. e.type
			r.events[k] = (r.events[k] or 0) + 1
		end
		local fn = opts.on and opts.on[e.kind]
		if fn then fn(e, m, p) end
	end)
	p = m:spawn(vmsim.program(c.arch or "mips", prog), args)
	local how, why = m:run()
	assert(how == "exited", "the run did not finish: " .. tostring(why or how))
	r.stats = m:stats()
	r.exit_status = p.exit_status
	r.output = p.output
	r.config = m:config()
	m:close()
	return r
end

-- What this build of the simulator can do (vmsim.features, plus the
-- guest programs the labs need).
function kit.supports(what)
	return vmsim.features[what] == true
end

return kit
