int __kstride_placeholder;
