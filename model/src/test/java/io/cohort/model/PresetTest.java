package io.cohort.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PresetTest {

    @Test
    void shouldFindEveryPresetByNameWhateverItsCase() {
        for (Preset preset : Preset.all()) {
            assertEquals(preset, Preset.named(preset.name().toUpperCase()));
        }
        assertEquals(Preset.SMALL, Preset.named("small"));
    }

    @Test
    void shouldListTheChoicesWhenTheNameIsUnknown() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Preset.named("huge"));
        assertEquals("unknown preset 'huge'; choose one of tiny, small, course", e.getMessage());
    }

    @Test
    void shouldDescribeTheCourseModelWhenAskedForTheCoursePreset() {
        GptConfig config = Preset.named("course").gpt(65);
        assertEquals(new GptConfig(65, 128, 384, 4, 4, 0.2, GptConfig.Norm.POST,
                GptConfig.Activation.RELU), config);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldHaveAboutEightHundredThousandParametersWhenSmallWithSixtyFiveTokens() {
        try (Gpt gpt = Gpt.create(Preset.SMALL.gpt(65), 0L)) {
            assertEquals(816_705L, gpt.parameterCount());
        }
    }
}
