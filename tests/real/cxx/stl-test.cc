// SPDX-License-Identifier: GPL-2.0
/*
 * A workload for an instrumented libstdc++ (and libsupc++): strings,
 * streams, containers, algorithms, and exceptions thrown inside the
 * library (vector::at, stoi, bad_alloc, a user type's throw through
 * std::sort's frames) and caught in this program.  It prints a checksum
 * of everything it did; the test compares it with the native build's.
 *
 * Usage: stl-test [N]
 */
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

struct boom : std::runtime_error {
	int at;
	explicit boom(int a) : std::runtime_error("boom"), at(a) {}
};

static unsigned long mix(unsigned long h, unsigned long v)
{
	return (h ^ v) * 1099511628211ul;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? std::stol(argv[1]) : 2000;
	unsigned long h = 14695981039346656037ul;
	long caught = 0;
	std::map<std::string, long> words;
	std::vector<int> v;

	for (long i = 0; i < n; i++) {
		std::ostringstream os;

		os << "w" << (i * 7919 % 97) << '.' << std::hex << i;
		words[os.str()] += i;
		v.push_back((int)(i * 2654435761u % 100003));
		try {
			h = mix(h, v.at(i + (i % 3 == 0 ? n : 0)));
		} catch (const std::out_of_range &e) {
			caught++;
			h = mix(h, std::string(e.what()).size());
		}
		try {
			h = mix(h, std::stoi(i % 5 ? std::to_string(i) : "x" + std::to_string(i)));
		} catch (const std::invalid_argument &) {
			caught++;
		}
	}
	/* a throw from a comparator, through std::sort's frames */
	for (int round = 0; round < 20; round++) {
		std::vector<int> w(v.begin(), v.end());
		int seen = 0;

		try {
			std::sort(w.begin(), w.end(), [&](int a, int b) {
				if (++seen == 1000 + round * 37)
					throw boom(seen);
				return a < b;
			});
		} catch (const boom &b) {
			caught++;
			h = mix(h, b.at);
		}
	}
	std::sort(v.begin(), v.end());
	for (int x : v)
		h = mix(h, x);
	for (const auto &kv : words)
		h = mix(mix(h, kv.first.size()), kv.second);
	try {
		std::unique_ptr<char[]> p(new char[(size_t)1 << 62]);
		h = mix(h, p[0]);
	} catch (const std::bad_alloc &) {
		caught++;
	}
	std::istringstream in("3 1 4 1 5 9 2 6");
	for (int x; in >> x;)
		h = mix(h, x);
	std::cout << "n " << n << " caught " << caught << " words " << words.size()
		  << " hash " << std::hex << h << std::endl;
	return 0;
}
