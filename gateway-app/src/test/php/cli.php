<?php
// Test driver for clients/php/Switchboard.php: php cli.php <command> [args...]; prints the result.
declare(strict_types=1);
require getenv('SWITCHBOARD_PHP');

$cmd = $argv[1] ?? '';
switch ($cmd) {
    case 'token': // secret user ttl
        echo (new Switchboard(['jwt_secret' => $argv[2]]))->token($argv[3], (int) $argv[4], ['role' => 'editor']);
        break;
    case 'publish-http': // url key
        $sb = new Switchboard(['api_url' => $argv[2], 'api_key' => $argv[3]]);
        $sb->publish('live_streams', ['status' => 'new', 'id' => 17]);
        $sb->toUser(42, 'notice', 'héllo "there"');
        $sb->toRoom('chat:lobby', 'chat', ['text' => 'hi']);
        echo 'ok';
        break;
    case 'publish-redis': // port
        $sb = new Switchboard(['transport' => 'redis', 'redis_port' => (int) $argv[2]]);
        $sb->publish('live_streams', ['status' => 'new']);
        $sb->toUser('7', 'notice', 'x');
        echo 'ok';
        break;
    case 'verify': // secret timestamp signature body [now]
        $sb = new Switchboard(['app_secret' => $argv[2]]);
        $ok = $sb->verifyRequest(['x-switchboard-timestamp' => $argv[3], 'X-SWITCHBOARD-SIGNATURE' => $argv[4]],
            $argv[5], isset($argv[6]) ? (int) $argv[6] : null);
        echo $ok ? 'valid' : 'invalid';
        break;
    case 'sign': // secret timestamp body
        $h = (new Switchboard(['app_secret' => $argv[2]]))->sign($argv[4], (int) $argv[3]);
        echo $h[Switchboard::SIGNATURE_HEADER];
        break;
    default:
        fwrite(STDERR, "unknown command $cmd\n");
        exit(2);
}
