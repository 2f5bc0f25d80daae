/* SPDX-License-Identifier: MIT */
/*
 * subject_cxx.cc - C++ functions auto-instrumented for test_auto: an
 * exception through instrumented frames, and a demangled method name.
 */
#include <stdexcept>

#include "subject.h"

namespace shapes {
struct Box {
	int w, h;
	int area() const;
};

int Box::area() const
{
	return w * h;
}
} // namespace shapes

static volatile int cxx_sink;

static void thrower(int n)
{
	cxx_sink = n;
	if (n == 0)
		throw std::runtime_error("deep");
	thrower(n - 1);
	cxx_sink = n; /* not a tail call */
}

extern "C" int cxx_throw_run(int n, int after)
{
	int caught = 0, s = 0;

	try {
		thrower(n);
	} catch (const std::runtime_error &) {
		caught = 1;
	}
	for (int i = 0; i < after; i++) {
		shapes::Box b = {i, 2};
		s += b.area();
	}
	cxx_sink = s;
	return caught;
}
