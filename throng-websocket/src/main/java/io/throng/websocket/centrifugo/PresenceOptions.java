package io.throng.websocket.centrifugo;

/**
 * Presence and join/leave (Centrifugo's channel options of the same names). In this process only:
 * a node answers with the subscribers connected to it (docs/centrifugo.md).
 *
 * @param presence           the presence and presence_stats commands answer ({@code presence}); off: 108
 * @param allowPresence      a channel's subscribers may call them ({@code allow_presence_for_subscriber}); off: 103
 * @param joinLeave          a subscribe and an unsubscribe (or a disconnect) are pushed to the channel
 *                           as join and leave ({@code join_leave}), to the subscribers that asked for
 *                           them (the SDK's {@code joinLeave: true})
 * @param forcePushJoinLeave to every subscriber of the channel, whether it asked or not
 *                           ({@code force_push_join_leave})
 */
public record PresenceOptions(boolean presence, boolean allowPresence, boolean joinLeave, boolean forcePushJoinLeave) {
    /** All off: Centrifugo's default. */
    public static final PresenceOptions NONE = new PresenceOptions(false, false, false, false);

    public PresenceOptions {
        if (forcePushJoinLeave && !joinLeave) {
            throw new IllegalArgumentException("force-push-join-leave needs join-leave");
        }
    }
}
