-- a failed assert on line 3
local two = 1 + 1
assert(two == 3, "arithmetic")
