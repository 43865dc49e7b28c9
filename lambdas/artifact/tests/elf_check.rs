//! The glibc check against real ELF binaries built with gcc on a glibc 2.36 host.

use returns_artifact::elf::{self, Arch, GlibcVersion, Refused};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture exists")
}

#[test]
fn a_binary_needing_glibc_2_36_is_refused_naming_the_symbol_and_the_fix() {
    let err = elf::check(&fixture("needs-glibc-2.36.elf"), Arch::X86_64).unwrap_err();
    let Refused::GlibcTooNew {
        newest, symbols, ..
    } = &err
    else {
        panic!("wrong refusal: {err}")
    };
    assert_eq!(*newest, GlibcVersion(2, 36));
    assert_eq!(symbols, "arc4random@GLIBC_2.36");
    let message = err.to_string();
    assert!(message.contains("glibc 2.34"), "{message}");
    assert!(message.contains("cargo-zigbuild"), "{message}");
}

#[test]
fn a_binary_needing_at_most_glibc_2_34_is_accepted() {
    let report = elf::check(&fixture("needs-glibc-2.34.elf"), Arch::X86_64).unwrap();
    assert_eq!(report.max_glibc, Some(GlibcVersion(2, 34)));
    assert!(report.too_new.is_empty());
}

#[test]
fn a_binary_for_another_machine_is_refused() {
    let err = elf::check(&fixture("needs-glibc-2.34.elf"), Arch::Arm64).unwrap_err();
    assert!(
        matches!(err, Refused::WrongMachine { arch: "arm64", .. }),
        "{err}"
    );
}

#[test]
fn a_truncated_binary_is_refused_not_panicking() {
    let data = fixture("needs-glibc-2.36.elf");
    for len in [0, 16, 64, 200, 1000, data.len() / 2] {
        assert!(elf::check(&data[..len], Arch::X86_64).is_err(), "len {len}");
    }
}
