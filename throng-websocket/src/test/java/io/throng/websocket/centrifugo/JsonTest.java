package io.throng.websocket.centrifugo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The protocol's JSON: what it reads, what it writes back, what it refuses. */
class JsonTest {

    @Test
    void valuesAreReadAndWrittenBackCompactly() throws Exception {
        String text = " {\"id\" : 7, \"connect\": {\"token\":\"a.b.c\", \"subs\": {}}, \"list\": [1, -2.5e-3, true, false, null, \"\\u00e9\\n\\\"\"]}\n";
        Object v = Json.parse(text);
        assertThat(v).isInstanceOf(Map.class);
        Map<?, ?> m = (Map<?, ?>) v;
        assertThat(((Json.Number) m.get("id")).integer(0, 10)).isEqualTo(7L);
        assertThat(((Map<?, ?>) m.get("connect")).get("token")).isEqualTo("a.b.c");
        assertThat(((List<?>) m.get("list")).get(4)).isSameAs(Json.NULL);
        assertThat(Json.write(v)).isEqualTo("{\"id\":7,\"connect\":{\"token\":\"a.b.c\",\"subs\":{}},\"list\":[1,-2.5e-3,true,false,null,\"\u00e9\\n\\\"\"]}");
    }

    @Test
    void numbersKeepTheirDigits() throws Exception {
        assertThat(Json.write(Json.parse("[18446744073709551615, 0.1000]"))).isEqualTo("[18446744073709551615,0.1000]");
        assertThat(((Json.Number) Json.parse("4294967296")).integer(0, 0xFFFFFFFFL)).isNull();
        assertThat(((Json.Number) Json.parse("1.0")).integer(0, 10)).isNull();
    }

    @Test
    void whatIsNotJsonIsRefused() {
        for (String bad : List.of("", "{", "{\"a\":1,}", "[1,]", "01", "1.", "-", "\"\u0001\"", "\"\\x\"", "tru", "{\"a\" 1}",
                "{a:1}", "[1] 2", "\"abc", "\"\\u12\"", "'a'", "NaN", "+1")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(Json.JsonException.class);
        }
    }

    @Test
    void nestingIsBounded() throws Exception {
        String deepest = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertThat(Json.write(Json.parse(deepest))).isEqualTo(deepest);
        String tooDeep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertThatThrownBy(() -> Json.parse(tooDeep)).hasMessageContaining("nested deeper than 64");
        assertThatThrownBy(() -> Json.parse("{\"a\":".repeat(100_000))).isInstanceOf(Json.JsonException.class);
    }
}
