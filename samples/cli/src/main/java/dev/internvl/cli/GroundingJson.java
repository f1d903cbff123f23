package dev.internvl.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;

/**
 * Prints the grounding commands' JSON (a contract; the shapes are {@link dev.internvl.grounding.GroundingJson}'s):
 * one line, nulls kept, text not HTML-escaped.
 */
final class GroundingJson {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private GroundingJson() {
    }

    static String toJson(JsonElement e) {
        return GSON.toJson(e);
    }
}
