"""The paper's video model (section 2.2): a frozen Stable Diffusion 2 UNet with injected modules.

    adapters.py  DomainAwareNorm, SpatialAdapter (ResBlock + spatial transformer, before each down/up block)
    temporal.py  TemporalResBlock (1-D convs over frames), TemporalAttention (sinusoidal frame positions)
    unet.py      MovieFactoryConfig, MovieFactoryUNet (wraps an unmodified UNet2DConditionModel)
    loading.py   load_sd2_components: a local diffusers-layout SD2 folder -> SD2Components
    tiny.py      build_tiny_sd2: a tiny random SD2-shaped folder for tests and offline checks

Nothing here is imported at package import time: torch and diffusers load only when a module is used.
"""
