-- a bad machine configuration (which one: arg[1]), always on line 13
local cases = {
	arch = { arch = "sparc" },
	memory = { memory = "lots" },
	memsize = { memory = "100K" },
	cpus = { cpus = 100 },
	tlb = { arch = "mips", tlb = { entries = 1000 } },
	l1d = { l1d = "33K/3/7" },
	cost = { costs = { nonesuch = 3 } },
	key = { colour = "blue" }, uid = { uid = "root" },
	root = { root = "/nonexistent/dir" }, swap = { swap = "5000" }, overcommit = { overcommit = 8 },
}
local m = vmsim.machine(cases[arg[1]])
