-- a uid out of range (line 3)
local m = vmsim.machine{ arch = "mips" }
m:spawn(vmsim.program("mips", "hello"), {}, { uid = -1 })
