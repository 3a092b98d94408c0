-- meeting-scheduler: lets the attendance check ask Prosody who is in the meeting's room.
--
-- Rendered by the bootstrap (@@FQDN@@ = the meeting's hostname) and installed as
-- /etc/prosody/conf.d/meeting-scheduler-room-count.cfg.lua, which Debian's prosody.cfg.lua loads through
-- `Include "conf.d/*.cfg.lua"`. It serves jitsi-meet's mod_muc_size (jitsi-meet-prosody ships it in
-- /usr/share/jitsi-meet/prosody-plugins/, on jitsi's global plugin_paths) on Prosody's HTTP port for
-- `Host: @@FQDN@@`: GET /room?room=<name>&domain=@@FQDN@@ lists the room's occupants without the focus, and
-- answers 404 when the room does not exist (functions/shared/roomOccupancy.ts reads it).
--
-- Why a Component of its own rather than adding "muc_size" to the VirtualHost's modules_enabled:
--  * Prosody 0.12 cannot append to an option set elsewhere: in its config parser (core/configmanager.lua,
--    parser.load) a name read inside the config resolves only to Lua globals (rawget(_G, k)) or ENV_*
--    variables, never to the current host's options, so `modules_enabled` here would replace jitsi's list
--    (bosh, ping, speakerstats, ...) rather than extend it;
--  * `Include "conf.d/*.cfg.lua"` lists the directory with lfs.dir, unsorted, so no file name can promise to
--    be read after jitsi's generated <fqdn>.cfg.lua;
--  * jitsi's generated file is never edited (no sed), so a new jitsi version keeps its own settings.
-- A Component adds its own modules wherever it is read. mod_http's `http_host` option serves the component's
-- HTTP routes under the meeting's hostname, so the request is the one mod_muc_size documents for the
-- VirtualHost. mod_muc_size finds the room through the MUC component of the `domain` it is asked about
-- (<room>@conference.<domain>), whichever host it runs on.
Component "roomcount.@@FQDN@@" "muc_size"
    -- mod_muc_size registers HTTP routes but does not load mod_http itself (on the VirtualHost, BOSH does);
    -- components inherit no global modules, so it is named here.
    modules_enabled = { "http" }
    http_host = "@@FQDN@@"
    -- jitsi's default; the room address is <room>@<prefix>.<domain>.
    muc_mapper_domain_prefix = "conference"
