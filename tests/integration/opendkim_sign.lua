-- opendkim_sign.lua - miltertest(8) script of hook_opendkim.sh: sends one
-- message from example.com, as a client on 127.0.0.1, through the OpenDKIM
-- milter at inet:PORT@127.0.0.1 and writes it to OUT with CRLF line ends,
-- headed by the DKIM-Signature fields the milter added (none when it
-- does not sign). Run as: miltertest -D port=PORT -D out=OUT -s THIS
-- A Lua error() prints nothing under miltertest: say why before exiting.
local function fail(what)
	print("opendkim_sign.lua: " .. what)
	os.exit(1)
end

local headers = {
	{ "From", "Newcomer <newcomer@example.com>" },
	{ "To", "someone@example.net" },
	{ "Subject", "a key dkimkeys deployed" },
	{ "Date", "Fri, 01 May 2026 12:00:00 +0000" },
	{ "Message-ID", "<hook-opendkim@example.com>" },
}
local body = "Signed by OpenDKIM with the key the opendkim hook wrote.\r\n"

local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then
	fail("cannot connect to port " .. port)
end
if mt.conninfo(conn, "localhost", "127.0.0.1") ~= nil then
	fail("conninfo failed")
end
mt.macro(conn, SMFIC_MAIL, "i", "HOOKTEST1")
if mt.mailfrom(conn, "<newcomer@example.com>") ~= nil then
	fail("mailfrom failed")
end
if mt.rcptto(conn, "<someone@example.net>") ~= nil then
	fail("rcptto failed")
end
for _, h in ipairs(headers) do
	if mt.header(conn, h[1], h[2]) ~= nil then
		fail("header " .. h[1] .. " failed")
	end
end
if mt.eoh(conn) ~= nil then
	fail("eoh failed")
end
-- a filter with nothing to sign accepts at the end of the header and
-- wants no body: the message then goes on unsigned
if mt.getreply(conn) ~= SMFIR_ACCEPT then
	if mt.bodystring(conn, body) ~= nil then
		fail("body failed")
	end
	if mt.eom(conn) ~= nil then
		fail("eom failed")
	end
end

local f = io.open(out, "wb")
if f == nil then
	fail("cannot write " .. out)
end
-- the added value starts with a space and folds with a bare LF
local n = 0
while true do
	local v = mt.getheader(conn, "DKIM-Signature", n)
	if v == nil then
		break
	end
	f:write("DKIM-Signature:" .. (string.gsub(v, "\r?\n", "\r\n")) .. "\r\n")
	n = n + 1
end
for _, h in ipairs(headers) do
	f:write(h[1] .. ": " .. h[2] .. "\r\n")
end
f:write("\r\n" .. body)
f:close()
mt.disconnect(conn)
