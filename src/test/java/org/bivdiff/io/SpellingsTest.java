package org.bivdiff.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Tier 0: enum spellings both ways, and what a wrong one is told. */
class SpellingsTest {

    private enum Norm { ACROSS_FRAMES, PER_FRAME }

    @Test
    void constantsAreSpelledLowerCase() {
        assertEquals("across-frames", Spellings.kebab(Norm.ACROSS_FRAMES));
        assertEquals("per_frame", Spellings.lower(Norm.PER_FRAME));
        assertEquals(List.of("across-frames", "per-frame"), Spellings.all(Norm.class, Spellings::kebab));
    }

    @Test
    void namesAreReadInAnyCaseWithDashesOrUnderscores() {
        for (String s : List.of("across-frames", " ACROSS_FRAMES ", "Across-Frames", "across_frames")) {
            assertEquals(Optional.of(Norm.ACROSS_FRAMES), Spellings.findName(Norm.class, s), s);
        }
        assertEquals(Optional.empty(), Spellings.findName(Norm.class, "acrossframes"));
    }

    @Test
    void exactSpellingsMatchOnlyThemselves() {
        assertEquals(Optional.of(Norm.PER_FRAME), Spellings.find(Norm.class, Spellings::lower, "per_frame"));
        assertEquals(Optional.empty(), Spellings.find(Norm.class, Spellings::lower, "PER_FRAME"));
        assertEquals(Optional.empty(), Spellings.find(Norm.class, Spellings::lower, "per-frame"));
    }

    @Test
    void parseNamesTheKeyAndEverySpelling() {
        assertEquals(Norm.PER_FRAME, Spellings.parse("inversion_norm", "per-frame", Norm.class));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Spellings.parse("inversion_norm", "frames", Norm.class));
        assertEquals("'inversion_norm' = 'frames' is not one of [across-frames, per-frame]", e.getMessage());
    }
}
