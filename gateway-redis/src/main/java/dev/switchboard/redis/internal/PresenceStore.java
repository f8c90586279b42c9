package dev.switchboard.redis.internal;

import dev.switchboard.core.Presence;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Cluster-wide presence in Redis, kept exact by one Lua script per sync. Keys (all in one hash slot, the
 * {@code {presence}} tag, so the script is atomic on Redis Cluster too):
 *
 * <ul>
 *   <li>{@code <p>{presence}:online} hash: identity → how many instances hold it. {@code HLEN} is num_online.
 *   <li>{@code <p>{presence}:conns} hash: instance → its connections. The sum is num_clients.
 *   <li>{@code <p>{presence}:instances} sorted set: instance → its last heartbeat, in Redis's clock (ms).
 *   <li>{@code <p>{presence}:instance:<id>} set: the identities this instance holds, so its share can be
 *       taken back exactly once, by itself (leave, rebuild) or by a survivor (reap).
 * </ul>
 *
 * Joins are {@code SADD}-guarded and leaves {@code SREM}-guarded, so applying a change twice, or a change
 * that a rebuild already contains, counts nothing twice. The clock is Redis's ({@code TIME}), so instances'
 * clocks need not agree.
 */
public final class PresenceStore {

    /** What one script call asks for. */
    public enum Mode { DELTA, REBUILD, HEARTBEAT, LEAVE }

    // Redis >= 5 replicates scripts by effects, which TIME and SPOP need; replicate_commands() asks for it on
    // 3.2/4 and is a no-op later.
    static final String SCRIPT = """
            if redis.replicate_commands then pcall(redis.replicate_commands) end
            local online, instances, conns, mine = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
            local me, staleMs, connections, mode = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
            local budget, setPrefix, nJoined = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local function drop(id)
              if redis.call('HINCRBY', online, id, -1) <= 0 then redis.call('HDEL', online, id) end
            end
            local function dropAll(key)
              for _, id in ipairs(redis.call('SMEMBERS', key)) do drop(id) end
              redis.call('DEL', key)
            end
            -- Reap instances silent for longer than staleMs. SPOP removes what is subtracted in the same atomic
            -- step, so a dead instance's share goes exactly once, in batches of at most `budget` identities.
            local reaped = 0
            for _, d in ipairs(redis.call('ZRANGEBYSCORE', instances, '-inf', now - staleMs, 'LIMIT', 0, 16)) do
              if d ~= me and budget > 0 then
                local key = setPrefix .. d
                local ids = redis.call('SPOP', key, budget)
                for _, id in ipairs(ids) do drop(id) end
                budget = budget - #ids
                if redis.call('SCARD', key) == 0 then
                  redis.call('ZREM', instances, d)
                  redis.call('HDEL', conns, d)
                  reaped = reaped + 1
                end
              end
            end
            local known = redis.call('ZSCORE', instances, me)
            if mode == 'LEAVE' then
              dropAll(mine)
              redis.call('ZREM', instances, me)
              redis.call('HDEL', conns, me)
            elseif mode == 'REBUILD' then
              dropAll(mine)
              for i = 8, 7 + nJoined do
                if redis.call('SADD', mine, ARGV[i]) == 1 then redis.call('HINCRBY', online, ARGV[i], 1) end
              end
              redis.call('ZADD', instances, now, me)
              redis.call('HSET', conns, me, connections)
            else
              -- Unknown here: reaped while frozen or cut off, or Redis lost its data. Deltas alone would be
              -- wrong; tell the caller to send everything.
              if not known then return {0, 0, 0, reaped} end
              for i = 8, 7 + nJoined do
                if redis.call('SADD', mine, ARGV[i]) == 1 then redis.call('HINCRBY', online, ARGV[i], 1) end
              end
              for i = 8 + nJoined, #ARGV do
                if redis.call('SREM', mine, ARGV[i]) == 1 then drop(ARGV[i]) end
              end
              redis.call('ZADD', instances, now, me)
              if mode == 'DELTA' then redis.call('HSET', conns, me, connections) end
            end
            local clients = 0
            for _, v in ipairs(redis.call('HVALS', conns)) do clients = clients + tonumber(v) end
            return {1, redis.call('HLEN', online), clients, reaped}
            """;

    private final RScript script;
    private final String instanceId;
    private final List<Object> keys;
    private final String instanceSetPrefix;
    private final long staleMillis;
    private final int reapBatch;

    /**
     * @param staleMillis how long an instance may stay silent before survivors take its share back
     */
    public PresenceStore(RedissonClient client, String keyPrefix, String instanceId, long staleMillis, int reapBatch) {
        this.script = client.getScript(StringCodec.INSTANCE);
        this.instanceId = instanceId;
        String base = keyPrefix + "{presence}:";
        this.instanceSetPrefix = base + "instance:";
        this.keys = List.of(base + "online", base + "instances", base + "conns", instanceSetPrefix + instanceId);
        this.staleMillis = staleMillis;
        this.reapBatch = reapBatch;
    }

    /** Returns the key names, for docs and tests: online, instances, conns, this instance's set. */
    public List<Object> keys() {
        return keys;
    }

    /**
     * Runs the script. {@code joined} is the full snapshot for {@link Mode#REBUILD}. The stage yields the
     * counts, or {@code null} when Redis does not know this instance and it must rebuild.
     */
    public CompletionStage<Result> run(Mode mode, int connections, Collection<String> joined, Collection<String> left) {
        List<Object> args = new ArrayList<>(7 + joined.size() + left.size());
        args.add(instanceId);
        args.add(Long.toString(staleMillis));
        args.add(Integer.toString(connections));
        args.add(mode.name());
        args.add(Integer.toString(reapBatch));
        args.add(instanceSetPrefix);
        args.add(Integer.toString(joined.size()));
        args.addAll(joined);
        args.addAll(left);
        CompletionStage<List<Object>> reply = script.evalAsync(RScript.Mode.READ_WRITE, SCRIPT, RScript.ReturnType.LIST,
                keys, args.toArray());
        return reply.thenApply(r -> {
            long reaped = ((Number) r.get(3)).longValue();
            if (((Number) r.get(0)).longValue() == 0) {
                return new Result(null, reaped);
            }
            return new Result(new Presence(((Number) r.get(1)).longValue(), ((Number) r.get(2)).longValue()), reaped);
        });
    }

    /**
     * What a script call answered.
     *
     * @param presence the cluster counts, or {@code null} when this instance must rebuild
     * @param reaped how many dead instances this call removed entirely
     */
    public record Result(Presence presence, long reaped) {
    }
}
