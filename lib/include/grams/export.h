// Symbol visibility for libgrams: public API symbols carry GRAMS_EXPORT.
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
