//! The provided.al2023 compatibility check: reads a Lambda binary's ELF dynamic symbol versions and
//! refuses one that needs a glibc symbol newer than AL2023's glibc 2.34, or that is built for the
//! wrong machine.

use object::elf;
use object::read::elf::FileHeader;
use std::fmt;

/// AL2023's glibc.
pub const AL2023_GLIBC: GlibcVersion = GlibcVersion(2, 34);

/// A `GLIBC_<major>.<minor>[.<patch>]` version (patch ignored: glibc symbol versions that matter use two parts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GlibcVersion(pub u32, pub u32);

impl GlibcVersion {
    /// Parses `GLIBC_2.36` / `GLIBC_2.2.5`; None for other version names (`GLIBC_PRIVATE`, `GCC_3.0`).
    pub fn parse_symbol_version(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("GLIBC_")?;
        let mut parts = rest.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(GlibcVersion(major, minor))
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// The machine a Lambda architecture needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// `x86_64`
    X86_64,
    /// `arm64`
    Arm64,
}

impl Arch {
    /// Lambda's name for it.
    pub fn lambda_name(&self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }

    fn machine(&self) -> u16 {
        match self {
            Arch::X86_64 => elf::EM_X86_64,
            Arch::Arm64 => elf::EM_AARCH64,
        }
    }
}

/// What the check found in a binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The newest glibc version any imported symbol needs (None: no versioned glibc symbols).
    pub max_glibc: Option<GlibcVersion>,
    /// Imported symbols that need a glibc newer than the limit: (symbol, version).
    pub too_new: Vec<(String, GlibcVersion)>,
}

/// Why a binary was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// Not a 64-bit little-endian ELF.
    #[error("not a 64-bit little-endian ELF executable")]
    NotElf,
    /// The ELF could not be read.
    #[error("malformed ELF: {0}")]
    Malformed(String),
    /// Built for another machine.
    #[error("binary is built for ELF machine {found}, but {arch} needs machine {expected}")]
    WrongMachine {
        /// Found e_machine.
        found: u16,
        /// Expected e_machine.
        expected: u16,
        /// The architecture asked for.
        arch: &'static str,
    },
    /// Needs a newer glibc than provided.al2023 has.
    #[error(
        "binary needs glibc {newest} but provided.al2023 ships glibc {limit}: {symbols}\n\
         hint: build with cargo-zigbuild and a pinned glibc (`cargo xtask build-lambdas` uses \
         --target <arch>-unknown-linux-gnu.2.17), or with cargo-lambda"
    )]
    GlibcTooNew {
        /// The newest version needed.
        newest: GlibcVersion,
        /// The limit.
        limit: GlibcVersion,
        /// `symbol@GLIBC_x.y` list.
        symbols: String,
    },
}

fn malformed(e: object::read::Error) -> Refused {
    Refused::Malformed(e.to_string())
}

/// Inspects `data` without judging it.
pub fn inspect(data: &[u8], limit: GlibcVersion) -> Result<(u16, Report), Refused> {
    let header =
        elf::FileHeader64::<object::Endianness>::parse(data).map_err(|_| Refused::NotElf)?;
    let endian = header.endian().map_err(malformed)?;
    if !header.is_little_endian() {
        return Err(Refused::NotElf);
    }
    let machine = header.e_machine(endian);
    let sections = header.sections(endian, data).map_err(malformed)?;
    let mut report = Report {
        max_glibc: None,
        too_new: Vec::new(),
    };
    let Some(versions) = sections.versions(endian, data).map_err(malformed)? else {
        return Ok((machine, report));
    };
    let dynsym = sections
        .symbols(endian, data, elf::SHT_DYNSYM)
        .map_err(malformed)?;
    for (index, symbol) in dynsym.enumerate() {
        use object::read::elf::Sym as _;
        let version_index = versions.version_index(endian, index);
        let Some(version) = versions.version(version_index).map_err(malformed)? else {
            continue;
        };
        let Some(v) = std::str::from_utf8(version.name())
            .ok()
            .and_then(GlibcVersion::parse_symbol_version)
        else {
            continue;
        };
        report.max_glibc = report.max_glibc.max(Some(v));
        // Only imports need the runtime's glibc to provide them.
        if v > limit && symbol.st_shndx(endian) == elf::SHN_UNDEF {
            let name = symbol
                .name(endian, dynsym.strings())
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_else(|_| format!("<symbol {}>", index.0));
            report.too_new.push((name, v));
        }
    }
    // Version requirements without a symbol (rare) still count.
    if let Some((mut verneed, link)) = sections.gnu_verneed(endian, data).map_err(malformed)? {
        let strings = sections.strings(endian, data, link).map_err(malformed)?;
        while let Some((_, mut aux)) = verneed.next().map_err(malformed)? {
            while let Some(a) = aux.next().map_err(malformed)? {
                if let Some(v) = a
                    .name(endian, strings)
                    .ok()
                    .and_then(|n| std::str::from_utf8(n).ok())
                    .and_then(GlibcVersion::parse_symbol_version)
                {
                    report.max_glibc = report.max_glibc.max(Some(v));
                }
            }
        }
    }
    report.too_new.sort();
    report.too_new.dedup();
    Ok((machine, report))
}

/// Accepts `data` as a provided.al2023 `bootstrap` for `arch`, or refuses it with the reason.
pub fn check(data: &[u8], arch: Arch) -> Result<Report, Refused> {
    let (machine, report) = inspect(data, AL2023_GLIBC)?;
    if machine != arch.machine() {
        return Err(Refused::WrongMachine {
            found: machine,
            expected: arch.machine(),
            arch: arch.lambda_name(),
        });
    }
    if let Some(newest) = report.too_new.iter().map(|(_, v)| *v).max() {
        let symbols = report
            .too_new
            .iter()
            .map(|(s, v)| format!("{s}@GLIBC_{v}"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Refused::GlibcTooNew {
            newest,
            limit: AL2023_GLIBC,
            symbols,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_glibc_versions() {
        assert_eq!(
            GlibcVersion::parse_symbol_version("GLIBC_2.2.5"),
            Some(GlibcVersion(2, 2))
        );
        assert_eq!(
            GlibcVersion::parse_symbol_version("GLIBC_2.36"),
            Some(GlibcVersion(2, 36))
        );
        assert_eq!(GlibcVersion::parse_symbol_version("GLIBC_PRIVATE"), None);
        assert_eq!(GlibcVersion::parse_symbol_version("GCC_3.0"), None);
        assert!(GlibcVersion(2, 36) > AL2023_GLIBC && GlibcVersion(2, 4) < AL2023_GLIBC);
    }

    #[test]
    fn refuses_what_is_not_elf() {
        assert!(matches!(
            check(b"#!/bin/sh\necho hi\n", Arch::X86_64),
            Err(Refused::NotElf)
        ));
        assert!(matches!(check(&[], Arch::X86_64), Err(Refused::NotElf)));
    }
}
