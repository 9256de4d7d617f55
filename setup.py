"""The compiled part of casework; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "casework.screening._postings",
            ["src/casework/screening/_postings.c"],
            # numpy rounds a product before adding it; a fused multiply-add would not.
            extra_compile_args=["-O2", "-ffp-contract=off"],
            # Without a C compiler casework installs all the same, on the numpy path.
            optional=True,
        ),
        Extension(
            "casework.screening._hashes",
            ["src/casework/screening/_hashes.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ]
)
