package dev.switchboard.redis.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain RESP client over a socket: what the application (a PHP app with phpredis) does, independent of
 * Redisson, so tests check the gateway against Redis itself.
 */
public final class Resp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Resp(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 2_000);
        socket.setSoTimeout(5_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Connects to {@code redis://[user:pass@]host:port[/db]}. */
    public static Resp connect(String url) {
        URI u = URI.create(url);
        try {
            Resp r = new Resp(u.getHost(), u.getPort());
            if (u.getUserInfo() != null) {
                String[] up = u.getUserInfo().split(":", 2);
                if (up.length == 2 && !up[0].isEmpty()) {
                    r.call("AUTH", up[0], up[1]);
                } else {
                    r.call("AUTH", up[up.length - 1]);
                }
            }
            if (u.getPath() != null && u.getPath().length() > 1) {
                r.call("SELECT", u.getPath().substring(1));
            }
            return r;
        } catch (IOException e) {
            throw new IllegalStateException("cannot connect to " + u.getHost() + ":" + u.getPort(), e);
        }
    }

    /** Sends one command; returns a String, Long, List or null; throws on an error reply. */
    public Object call(String... args) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (String a : args) {
                byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
                b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                b.writeBytes(bytes);
                b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write(b.toByteArray());
            out.flush();
            return read();
        } catch (IOException e) {
            throw new IllegalStateException("redis call failed: " + args[0], e);
        }
    }

    public long number(String... args) {
        return (Long) call(args);
    }

    private Object read() throws IOException {
        int type = in.read();
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(n);
                in.readNBytes(2);
                return new String(data, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(read());
                }
                return list;
            }
            default:
                throw new IOException("unexpected reply type " + type);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            b.write(c);
        }
        in.read();
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
