-- a syntax error on line 3
local ok = 1
local x = = 2
