<?php
// A tiny application for `php -S`: every request must be signed by the gateway (APP_SECRET); a forwarded
// controller call is answered with what the module saw, like a Trongate module's ws() method would.
declare(strict_types=1);
require getenv('SWITCHBOARD_PHP');

$sb = new Switchboard(['app_secret' => getenv('APP_SECRET')]);
$req = $sb->verifiedBody();
if ($req === null) {
    return true; // verifiedBody() answered 401
}
header('Content-Type: application/json');
echo json_encode([
    'path' => $_SERVER['REQUEST_URI'],
    'module' => $req['module'] ?? null,
    'action' => $req['action'] ?? null,
    'user_id' => $req['user_id'] ?? null,
    'echo' => $req['data'] ?? null,
]);
return true;
