// The typed anatomy (Vertebra, DiscLevel, StructureClass, EnumerationAnomaly) lives in SpineAnatomy;
// re-exported so that `import SpinePhantom` alone keeps seeing it.
@_exported import SpineAnatomy
