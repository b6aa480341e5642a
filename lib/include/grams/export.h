// Symbol visibility for libgrams: public API symbols carry GRAMS_EXPORT.
//
// The library's sources are compiled once (lib/CMakeLists.txt, the OBJECT
// library grams_objects) with -fvisibility=hidden and GRAMS_BUILDING_LIBRARY,
// which makes GRAMS_EXPORT "default visibility": libgrams.so exports those
// symbols and nothing else. libgrams.a is an archive of the same objects;
// visibility only matters across shared objects, so a program linking it
// reaches every symbol it needs. Programs that include these headers define
// neither macro and see an empty GRAMS_EXPORT (ELF needs no import marks).
// GRAMS_STATIC_DEFINE empties it in the library's own build too, for
// compiling the sources into another library that must export nothing.
#ifndef GRAMS_EXPORT_H_
#define GRAMS_EXPORT_H_

#if defined(GRAMS_STATIC_DEFINE)
#define GRAMS_EXPORT
#elif defined(GRAMS_BUILDING_LIBRARY)
#define GRAMS_EXPORT [[gnu::visibility("default")]]
#else
#define GRAMS_EXPORT
#endif

#endif  // GRAMS_EXPORT_H_
