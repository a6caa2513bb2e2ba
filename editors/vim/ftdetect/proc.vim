" Vim file type detection for proc scripts (.proc).
autocmd BufNewFile,BufRead *.proc setfiletype proc
