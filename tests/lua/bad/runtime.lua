-- a runtime error on line 3
local t
print(t.field)
