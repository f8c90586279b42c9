<?php

declare(strict_types=1);

/**
 * Talks to a Switchboard WebSocket gateway from a PHP application. One file, no dependencies: PHP 8.1+,
 * with the curl and redis (phpredis) extensions used when they are loaded and plain streams otherwise.
 *
 *   $sb = new Switchboard([
 *       'api_url'    => 'http://127.0.0.1:8086/api/publish',  // the gateway's admin port
 *       'api_key'    => getenv('SWITCHBOARD_ADMIN_API_KEY'),
 *       'jwt_secret' => getenv('SWITCHBOARD_JWT_SECRET'),     // >= 32 bytes, the gateway's auth.jwt-secret
 *       'app_secret' => getenv('SWITCHBOARD_APP_SECRET'),     // >= 32 bytes, the gateway's app.secret
 *   ]);
 *   $sb->publish('live_streams', ['status' => 'new', 'id' => 17]);   // everyone
 *   $sb->toUser(42, 'notice', 'Your export is ready');               // every tab of user 42
 *   $sb->toRoom('chat:lobby', 'chat', ['from' => 'ann', 'text' => 'hi']);
 *   $token = $sb->token(42, 3600);                                    // for ws://...?token=
 *   if (!$sb->verifyRequest()) { http_response_code(401); exit; }     // in a forwarded call or webhook
 *
 * Publishing goes over HTTP by default; with 'transport' => 'redis' it goes through Redis like the old
 * module's _publish(): publish() is "PUBLISH <channel> <json>" (the channel must be listed in the gateway's
 * redis.channels), toUser() and toRoom() go to the structured channel "switchboard:publish".
 *
 * Messages are any value json_encode() accepts; a PHP string is sent as a JSON string, not re-parsed.
 */
final class Switchboard
{
    public const TIMESTAMP_HEADER = 'X-Switchboard-Timestamp';
    public const SIGNATURE_HEADER = 'X-Switchboard-Signature';
    public const DELIVERY_HEADER = 'X-Switchboard-Delivery';
    public const MIN_SECRET_BYTES = 32;

    private const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR;

    private const DEFAULTS = [
        'transport' => 'http',          // 'http' or 'redis'
        'api_url' => 'http://127.0.0.1:8086/api/publish',
        'api_key' => null,
        'redis_host' => '127.0.0.1',
        'redis_port' => 6379,
        'redis_password' => null,
        'redis_channel' => 'switchboard:publish',
        'jwt_secret' => null,
        'app_secret' => null,
        'max_skew' => 300,              // seconds of clock difference accepted by verifyRequest()
        'timeout' => 2.0,               // seconds, for HTTP and Redis
    ];

    /** @var array<string, mixed> */
    private array $options;

    /** @var \Redis|resource|null */
    private $redis = null;

    /** @param array<string, mixed> $options see DEFAULTS */
    public function __construct(array $options = [])
    {
        $unknown = array_diff_key($options, self::DEFAULTS);
        if ($unknown !== []) {
            throw new InvalidArgumentException('Switchboard: unknown option(s) ' . implode(', ', array_keys($unknown)));
        }
        $this->options = $options + self::DEFAULTS;
        if (!in_array($this->options['transport'], ['http', 'redis'], true)) {
            throw new InvalidArgumentException("Switchboard: transport must be 'http' or 'redis'");
        }
    }

    // ---------------------------------------------------------------- publishing

    /** Sends $message on $channel to every connected client. */
    public function publish(string $channel, mixed $message): void
    {
        if ($this->options['transport'] === 'redis') {
            $this->redisPublish($channel, json_encode($message, self::JSON_FLAGS));
            return;
        }
        $this->send(['channel' => $channel, 'message' => $message]);
    }

    /** Sends $message on $channel to every connection of one user, on any gateway instance. */
    public function toUser(string|int $userId, string $channel, mixed $message): void
    {
        $this->send(['channel' => $channel, 'message' => $message, 'user_id' => (string) $userId]);
    }

    /** Sends $message on $channel to the members of $room. */
    public function toRoom(string $room, string $channel, mixed $message): void
    {
        $this->send(['channel' => $channel, 'message' => $message, 'room' => $room]);
    }

    /** @param array<string, mixed> $delivery */
    private function send(array $delivery): void
    {
        $json = json_encode($delivery, self::JSON_FLAGS);
        if ($this->options['transport'] === 'redis') {
            $this->redisPublish($this->options['redis_channel'], $json);
            return;
        }
        $key = $this->options['api_key'];
        if ($key === null || $key === '') {
            throw new LogicException("Switchboard: 'api_key' is required to publish over HTTP");
        }
        [$status, $body] = $this->post($this->options['api_url'], $json, [
            'Content-Type: application/json',
            'Authorization: Bearer ' . $key,
        ]);
        if ($status !== 200) {
            throw new RuntimeException("Switchboard: publish answered HTTP $status: " . substr($body, 0, 200));
        }
    }

    /**
     * POSTs $body; returns [status, body]. Uses curl when loaded, else a stream context.
     *
     * @param list<string> $headers
     * @return array{0: int, 1: string}
     */
    private function post(string $url, string $body, array $headers): array
    {
        $timeout = (float) $this->options['timeout'];
        if (extension_loaded('curl')) {
            $ch = curl_init($url);
            curl_setopt_array($ch, [
                CURLOPT_POST => true,
                CURLOPT_POSTFIELDS => $body,
                CURLOPT_HTTPHEADER => $headers,
                CURLOPT_RETURNTRANSFER => true,
                CURLOPT_CONNECTTIMEOUT_MS => (int) ($timeout * 1000),
                CURLOPT_TIMEOUT_MS => (int) ($timeout * 1000),
            ]);
            $out = curl_exec($ch);
            if ($out === false) {
                $error = curl_error($ch);
                curl_close($ch);
                throw new RuntimeException("Switchboard: POST $url failed: $error");
            }
            $status = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
            curl_close($ch);
            return [$status, (string) $out];
        }
        $context = stream_context_create(['http' => [
            'method' => 'POST',
            'header' => implode("\r\n", $headers),
            'content' => $body,
            'timeout' => $timeout,
            'ignore_errors' => true,  // read the body of 4xx/5xx answers too
        ]]);
        $out = @file_get_contents($url, false, $context);
        // file_get_contents fills $http_response_header in this scope.
        $statusLine = isset($http_response_header[0]) ? $http_response_header[0] : '';
        if ($out === false || !preg_match('{^HTTP/\S+\s+(\d{3})}', $statusLine, $m)) {
            $error = error_get_last()['message'] ?? 'no answer';
            throw new RuntimeException("Switchboard: POST $url failed: $error");
        }
        return [(int) $m[1], $out];
    }

    private function redisPublish(string $channel, string $payload): void
    {
        if (class_exists('Redis')) {
            if ($this->redis === null) {
                $r = new \Redis();
                $r->connect($this->options['redis_host'], (int) $this->options['redis_port'], (float) $this->options['timeout']);
                if ($this->options['redis_password'] !== null) {
                    $r->auth($this->options['redis_password']);
                }
                $this->redis = $r;
            }
            $this->redis->publish($channel, $payload);
            return;
        }
        // No phpredis: speak RESP (https://redis.io/docs/reference/protocol-spec/) over a plain socket.
        if ($this->redis === null) {
            $address = 'tcp://' . $this->options['redis_host'] . ':' . $this->options['redis_port'];
            $socket = @stream_socket_client($address, $errno, $errstr, (float) $this->options['timeout']);
            if ($socket === false) {
                throw new RuntimeException("Switchboard: cannot connect to Redis at $address: $errstr");
            }
            stream_set_timeout($socket, (int) ceil((float) $this->options['timeout']));
            $this->redis = $socket;
            if ($this->options['redis_password'] !== null) {
                $this->redisCommand(['AUTH', (string) $this->options['redis_password']]);
            }
        }
        $this->redisCommand(['PUBLISH', $channel, $payload]);
    }

    /** @param list<string> $args */
    private function redisCommand(array $args): string
    {
        $command = '*' . count($args) . "\r\n";
        foreach ($args as $a) {
            $command .= '$' . strlen($a) . "\r\n" . $a . "\r\n";
        }
        if (fwrite($this->redis, $command) !== strlen($command)) {
            $this->redis = null;
            throw new RuntimeException('Switchboard: Redis write failed');
        }
        $line = fgets($this->redis);
        if ($line === false || $line[0] === '-') {
            $this->redis = null;
            throw new RuntimeException('Switchboard: Redis said ' . ($line === false ? 'nothing' : trim($line)));
        }
        return trim($line);
    }

    // ---------------------------------------------------------------- tokens

    /**
     * Returns an HS256 JWT for $userId valid for $ttl seconds, which the gateway's JWT authenticator accepts:
     * sub = the user id (as a string), iat, exp, plus $claims (kept on the gateway session).
     *
     * @param array<string, mixed> $claims
     */
    public function token(string|int $userId, int $ttl = 3600, array $claims = []): string
    {
        $secret = $this->secret('jwt_secret');
        if ($ttl <= 0) {
            throw new InvalidArgumentException("Switchboard: ttl must be > 0, got $ttl");
        }
        $now = time();
        $header = self::base64Url(json_encode(['alg' => 'HS256', 'typ' => 'JWT'], self::JSON_FLAGS));
        $payload = self::base64Url(json_encode(
            ['sub' => (string) $userId, 'iat' => $now, 'exp' => $now + $ttl] + $claims, self::JSON_FLAGS));
        $signature = self::base64Url(hash_hmac('sha256', "$header.$payload", $secret, true));
        return "$header.$payload.$signature";
    }

    private static function base64Url(string $bytes): string
    {
        return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
    }

    // ---------------------------------------------------------------- signatures

    /**
     * Returns the signature headers for $body, as the gateway sends them (for tests, or to call your own
     * endpoints the same way): [name => value].
     *
     * @return array<string, string>
     */
    public function sign(string $body, ?int $timestamp = null): array
    {
        $ts = $timestamp ?? time();
        return [
            self::TIMESTAMP_HEADER => (string) $ts,
            self::SIGNATURE_HEADER => 'sha256=' . hash_hmac('sha256', $ts . '.' . $body, $this->secret('app_secret')),
        ];
    }

    /**
     * Tells whether a request really comes from the gateway: a forwarded controller call, a connect check or
     * a webhook. Reads the current request's headers and raw body unless given. Checks the HMAC in constant
     * time and that the timestamp is within max_skew seconds (300) of now, so old captures cannot be replayed.
     *
     * @param array<string, string>|null $headers header name => value (any case); null: this request's
     */
    public function verifyRequest(?array $headers = null, ?string $body = null, ?int $now = null): bool
    {
        $headers = $headers ?? self::currentHeaders();
        $body = $body ?? (string) file_get_contents('php://input');
        $ts = self::header($headers, self::TIMESTAMP_HEADER);
        $signature = self::header($headers, self::SIGNATURE_HEADER);
        if ($ts === null || $signature === null || !ctype_digit($ts)) {
            return false;
        }
        if (abs(($now ?? time()) - (int) $ts) > (int) $this->options['max_skew']) {
            return false;
        }
        $expected = 'sha256=' . hash_hmac('sha256', $ts . '.' . $body, $this->secret('app_secret'));
        return hash_equals($expected, strtolower(trim($signature)));
    }

    /**
     * Verifies the current request and returns its JSON body decoded as an array, or answers 401 and returns
     * null. For forwarded controller calls: {module, action, data, user_id, connection_id, fingerprint, id}.
     *
     * @return array<mixed>|null
     */
    public function verifiedBody(): ?array
    {
        $body = (string) file_get_contents('php://input');
        if (!$this->verifyRequest(null, $body)) {
            http_response_code(401);
            header('Content-Type: application/json');
            echo '{"reason":"bad or missing signature"}';
            return null;
        }
        $data = json_decode($body, true);
        return is_array($data) ? $data : [];
    }

    /** @return array<string, string> */
    private static function currentHeaders(): array
    {
        if (function_exists('getallheaders')) {
            $h = getallheaders();
            if (is_array($h)) {
                return $h;
            }
        }
        $out = [];
        foreach ($_SERVER as $k => $v) {
            if (is_string($k) && str_starts_with($k, 'HTTP_')) {
                $out[str_replace('_', '-', substr($k, 5))] = (string) $v;
            }
        }
        return $out;
    }

    /** @param array<string, string> $headers */
    private static function header(array $headers, string $name): ?string
    {
        foreach ($headers as $k => $v) {
            if (strcasecmp((string) $k, $name) === 0) {
                return is_array($v) ? (string) reset($v) : (string) $v;
            }
        }
        return null;
    }

    private function secret(string $option): string
    {
        $secret = $this->options[$option];
        if (!is_string($secret) || strlen($secret) < self::MIN_SECRET_BYTES) {
            throw new LogicException("Switchboard: '$option' must be a string of at least "
                . self::MIN_SECRET_BYTES . ' bytes');
        }
        return $secret;
    }
}
