-- two machines at once: the second is refused (line 4)
local a = vmsim.machine{ arch = "mips" }
local keep = { a }
local b = vmsim.machine{ arch = "amd64" }
