package io.throng.websocket;

import io.throng.websocket.codec.DeflateParams;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** permessage-deflate offers and answers (RFC 7692 section 7.1). */
class DeflateNegotiationTest {
    static final DeflateConfig ON = DeflateConfig.ENABLED;

    @Test
    void theServerImposesNoContextTakeoverByDefaultAndHonoursWindowBits() {
        DeflateParams p = DeflateNegotiation.accept("permessage-deflate", ON);
        assertThat(p.responseHeader()).isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
        assertThat(p.localNoContextTakeover()).isTrue();
        assertThat(p.peerNoContextTakeover()).isTrue();
        assertThat(p.localMaxWindowBits()).isEqualTo(15);

        DeflateParams w = DeflateNegotiation.accept("permessage-deflate; server_max_window_bits=9; client_max_window_bits", ON);
        assertThat(w.localMaxWindowBits()).isEqualTo(9);
        assertThat(w.responseHeader()).contains("server_max_window_bits=9").doesNotContain("client_max_window_bits");

        DeflateParams keep = DeflateNegotiation.accept("permessage-deflate",
                ON.withServerNoContextTakeover(false).withClientNoContextTakeover(false));
        assertThat(keep.responseHeader()).isEqualTo("permessage-deflate");
        assertThat(keep.acceptsSharedCompressedFrames()).isFalse();

        DeflateParams quoted = DeflateNegotiation.accept("permessage-deflate; server_max_window_bits=\"10\"", ON);
        assertThat(quoted.localMaxWindowBits()).isEqualTo(10);
    }

    @Test
    void badOffersAreDeclinedAndTheNextOneTried() {
        assertThat(DeflateNegotiation.accept("permessage-deflate; server_max_window_bits=16", ON)).isNull();
        assertThat(DeflateNegotiation.accept("permessage-deflate; server_max_window_bits", ON)).isNull();
        assertThat(DeflateNegotiation.accept("permessage-deflate; client_max_window_bits=7", ON)).isNull();
        assertThat(DeflateNegotiation.accept("permessage-deflate; server_no_context_takeover; server_no_context_takeover", ON)).isNull();
        assertThat(DeflateNegotiation.accept("permessage-deflate; mystery=1", ON)).isNull();
        assertThat(DeflateNegotiation.accept("x-webkit-deflate-frame", ON)).isNull();
        assertThat(DeflateNegotiation.accept("permessage-deflate; ;;", ON)).isNull();
        DeflateParams second = DeflateNegotiation.accept(
                "permessage-deflate; server_max_window_bits=99, foo, permessage-deflate; client_max_window_bits=12", ON);
        assertThat(second).isNotNull();
        assertThat(second.localMaxWindowBits()).isEqualTo(15);
    }

    @Test
    void theClientChecksTheAnswerAgainstItsOffer() {
        String offer = DeflateNegotiation.offer(ON);
        assertThat(offer).isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits");
        DeflateParams p = DeflateNegotiation.clientAccepts("permessage-deflate; server_no_context_takeover; client_max_window_bits=10", ON);
        assertThat(p.localMaxWindowBits()).isEqualTo(10);
        assertThat(p.localNoContextTakeover()).isTrue();
        assertThat(DeflateNegotiation.clientAccepts(null, ON)).isNull();
        assertThatThrownBy(() -> DeflateNegotiation.clientAccepts("permessage-deflate; bogus", ON)).hasMessageContaining("not acceptable");
        assertThatThrownBy(() -> DeflateNegotiation.clientAccepts("permessage-deflate", ON))
                .hasMessageContaining("did not accept server_no_context_takeover");
        assertThatThrownBy(() -> DeflateNegotiation.clientAccepts("other-ext", ON)).hasMessageContaining("did not offer");
    }
}
