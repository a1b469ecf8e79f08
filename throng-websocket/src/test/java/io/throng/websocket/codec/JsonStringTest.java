package io.throng.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonStringTest {

    @Test
    void quotesBackslashesAndControlCharactersAreEscaped() {
        assertThat(JsonString.escape("say \"hi\"\\ now")).isEqualTo("say \\\"hi\\\"\\\\ now");
        assertThat(JsonString.escape("a\nb\rc\td\u0000e\u001f")).isEqualTo("a\\nb\\rc\\td\\u0000e\\u001f");
    }

    @Test
    void theLineAndParagraphSeparatorsAreEscapedTheRestKept() {
        assertThat(JsonString.escape("x\u2028y\u2029z")).isEqualTo("x\\u2028y\\u2029z");
        assertThat(JsonString.escape("é ü 漢 \uD83D\uDE00 \u007f")).isEqualTo("é ü 漢 \uD83D\uDE00 \u007f");
    }

    @Test
    void appendingAddsToWhatIsThere() {
        StringBuilder b = new StringBuilder("\"");
        JsonString.escape("a\"b", b);
        assertThat(b.append('"')).hasToString("\"a\\\"b\"");
    }
}
