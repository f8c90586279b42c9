package dev.switchboard.core.internal.session;

/**
 * A {@link LoopSessions.Walk} over one {@link SessionGroup}, visiting its sessions in steps: the group is
 * resolved and pinned at the first step (so removals wait and no session is skipped or seen twice), each
 * session that has not left is {@linkplain #visit visited} once, and the group is unpinned when the walk
 * finishes. Subclasses say which group and what to do with each session. Loop only.
 */
public abstract class GroupWalk implements LoopSessions.Walk {

    private SessionGroup group;
    private int next;
    private int end;
    private boolean started;
    private boolean done;

    /** Returns the group to walk, at the first step; {@code null} when there is none (nothing to visit). */
    protected abstract SessionGroup group();

    /** Visits one session of the group that has not left the gateway. */
    protected abstract void visit(Session s);

    /** Runs once, after the last step (the group is unpinned by then). */
    protected abstract void finished();

    @Override
    public final int step(int budget) {
        if (!started) {
            started = true;
            group = group();
            if (group == null) {
                done = true;
                return 0;
            }
            end = group.pin();
        }
        int visited = 0;
        try {
            while (next < end && visited < budget) {
                Session s = group.at(next++);
                visited++;
                if (!s.removed()) {
                    visit(s);
                }
            }
        } finally {
            done = next >= end;
        }
        return visited;
    }

    @Override
    public final boolean done() {
        return done;
    }

    @Override
    public final void finish() {
        if (group != null) {
            group.unpin();
        }
        finished();
    }
}
