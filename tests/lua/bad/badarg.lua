-- a wrong argument type on line 3
local m = vmsim.machine{ arch = "mips" }
m:spawn({})
