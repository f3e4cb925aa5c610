-- machines nobody can reach are closed by the garbage collector: fine
for i = 1, 3 do
	local m = vmsim.machine{ arch = "mips", output = "capture" }
	local p = m:spawn(vmsim.program("mips", "hello"))
	assert(m:run() == "exited" and p.output == "hello, world\n")
end
print("gc_machines: ok")
