package dev.switchboard.core.internal.handshake;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** Matches addresses against a list of IP literals and CIDR blocks, IPv4 and IPv6; never resolves names. */
public final class AddressMatcher {

    private final List<byte[]> networks = new ArrayList<>();
    private final List<Integer> prefixes = new ArrayList<>();

    /** Parses {@code specs}; throws {@link IllegalArgumentException} naming the first bad one. */
    public AddressMatcher(List<String> specs) {
        for (String spec : specs) {
            String s = spec.trim();
            int slash = s.indexOf('/');
            String ip = slash < 0 ? s : s.substring(0, slash);
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
            if (bytes == null) {
                throw new IllegalArgumentException("trustedProxies: " + spec + " (expected: an IP address or CIDR block)");
            }
            int prefix = bytes.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("trustedProxies: " + spec + " (expected: prefix 0.." + bytes.length * 8 + ")");
                }
            }
            networks.add(bytes);
            prefixes.add(prefix);
        }
    }

    public boolean isEmpty() {
        return networks.isEmpty();
    }

    public boolean matches(InetAddress address) {
        return address != null && matches(address.getAddress());
    }

    /** Tells whether the IP literal {@code ip} is in the list; {@code false} for anything not an IP literal. */
    public boolean matches(String ip) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip.trim());
        return bytes != null && matches(bytes);
    }

    private boolean matches(byte[] addr) {
        for (int i = 0; i < networks.size(); i++) {
            byte[] net = networks.get(i);
            if (net.length == addr.length && samePrefix(net, addr, prefixes.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean samePrefix(byte[] a, byte[] b, int bits) {
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[full] & mask) == (b[full] & mask);
    }
}
